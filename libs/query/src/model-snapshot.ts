import { CentroidModel } from '@app/clustering';
import {
  type ClusterAggregates,
  ClusterRanking,
  type DemographicModel,
  type ShrinkageSettings,
} from '@app/recommend';
import { type StoredModel } from '@app/store';

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
    this.sizes = parseSizes(model.info.sizes, model.clusters);
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

function parseSizes(raw: string | number | undefined, clusters: number): number[] {
  try {
    const sizes: unknown = JSON.parse(String(raw));
    if (Array.isArray(sizes) && sizes.length === clusters) return sizes.map(Number);
  } catch {
    // An older model without sizes: reported as unknown (zero) below.
  }
  return Array.from({ length: clusters }, () => 0);
}
