import { type ModelSettings } from '@app/clustering';
import {
  type ClusterAggregates,
  ClusterRanking,
  type DemographicModel,
  ItemKnn,
  type MovieStatistics,
  placementModelOf,
  type PlacementModel,
  type ShrinkageSettings,
} from '@app/recommend';
import { type StoredModel } from '@app/store';
import { TasteFactors } from './taste-factors';

/**
 * One model version as the query service serves it: every cluster's aggregates read at one time,
 * ranked on first use, with its placement rule (for a user the model has not placed yet), its
 * demographic clusters (for users with a profile and no ratings) and, when it was trained with
 * ALS, its movie factors (predictions and `rank=predicted`); when it was built with item
 * neighbourhoods, those (`rank=similar`).
 */
export class ModelSnapshot {
  readonly version: number;
  readonly builtAt: string;
  /** Users per cluster when the model was built. */
  readonly sizes: readonly number[];
  readonly settings: ModelSettings;
  readonly ranking: ClusterRanking;
  readonly placement: PlacementModel;
  readonly demographics: { model: DemographicModel; ranking: ClusterRanking } | undefined;
  readonly factors: TasteFactors | undefined;
  readonly similar: ItemKnn | undefined;

  constructor(
    model: StoredModel,
    clusters: readonly ClusterAggregates[],
    movies: MovieStatistics,
    shrinkage: ShrinkageSettings,
  ) {
    const { description } = model;
    this.version = description.version;
    this.builtAt = description.builtAt;
    this.sizes = description.sizes;
    this.settings = description.settings;
    this.ranking = new ClusterRanking(clusters, shrinkage, movies);
    this.placement = placementModelOf(model);
    this.factors =
      model.als === undefined || description.als === undefined
        ? undefined
        : new TasteFactors(model.als, description.als.settings);
    this.similar =
      model.itemNeighbours === undefined ? undefined : new ItemKnn(model.itemNeighbours);
    const demographics = model.demographics;
    this.demographics =
      demographics === undefined
        ? undefined
        : {
            model: demographics,
            ranking: new ClusterRanking(
              demographics.clusters.map(({ favourites }) =>
                demographicAggregates(favourites, movies),
              ),
              shrinkage,
              movies,
            ),
          };
  }

  get clusterCount(): number {
    return this.ranking.clusters.length;
  }
}

/**
 * A demographic cluster's aggregates: its members' favourite counts, and for those movies
 * everyone's ratings, so ranking by rating puts the group's favourites in the order of their
 * overall mean rating.
 */
function demographicAggregates(
  favourites: readonly (readonly [number, number])[],
  movies: MovieStatistics,
): ClusterAggregates {
  return {
    favourites: new Map(favourites),
    ratingSums: new Map(favourites.map(([movie]) => [movie, movies.sums.get(movie) ?? 0])),
    ratingCounts: new Map(favourites.map(([movie]) => [movie, movies.supportOf(movie)])),
  };
}
