import { CentroidModel } from '@app/clustering';
import {
  type ClusterAggregates,
  ClusterRanking,
  type DemographicModel,
  type ShrinkageSettings,
} from '@app/recommend';
import { clusterSizesOf, type StoredModel } from '@app/store';

/**
 * One model version as the query service serves it: every cluster's aggregates read at one time,
 * ranked on first use, with the centres (to place a user the model has not placed yet) and the
 * demographic clusters (for users with a profile and no ratings).
 */
export class ModelSnapshot {
  readonly version: number;
  readonly builtAt: string | null;
  /** Users per cluster when the model was built. */
  readonly sizes: number[];
  readonly ranking: ClusterRanking;
  readonly centroids: CentroidModel;
  readonly demographics: { model: DemographicModel; ranking: ClusterRanking } | undefined;

  constructor(
    model: StoredModel,
    clusters: readonly ClusterAggregates[],
    settings: ShrinkageSettings,
  ) {
    this.version = model.version;
    this.builtAt = model.info.builtAt === undefined ? null : String(model.info.builtAt);
    const sizes = clusterSizesOf(model.info);
    // Unknown sizes (an older model) are reported as zero.
    this.sizes =
      sizes?.length === model.clusters ? sizes : Array.from({ length: model.clusters }, () => 0);
    this.ranking = new ClusterRanking(clusters, settings);
    this.centroids = CentroidModel.fromStored(model);
    const demographics = model.demographics;
    this.demographics =
      demographics === undefined
        ? undefined
        : {
            model: demographics,
            ranking: new ClusterRanking(
              demographics.clusters.map(({ favourites }) => ({
                favourites: new Map(favourites),
                ratingSums: new Map(),
                ratingCounts: new Map(),
              })),
              settings,
              this.ranking.movies,
            ),
          };
  }

  get clusterCount(): number {
    return this.ranking.clusters.length;
  }
}
