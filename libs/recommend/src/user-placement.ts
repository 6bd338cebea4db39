import { CentroidModel, type RowSettings } from '@app/clustering';
import { type UserProfile } from '@app/events';
import { type DemographicModel, nearestDemographicCluster } from './demographic-model';

/** What a model offers for placing a user it did not cluster. */
export interface PlacementModel {
  centroids: CentroidModel;
  /** Demographic clusters, when users had profiles at build time. */
  demographics: DemographicModel | undefined;
  /** Users per taste cluster when the model was built. */
  sizes: readonly number[];
}

/**
 * - `ratings`: the nearest centre to the user's ratings;
 * - `demographics`: the ratings say nothing yet; the taste cluster of the user's demographic group;
 * - `largest`: neither says anything; the largest cluster, the likeliest for anyone.
 */
export type PlacementBasis = 'ratings' | 'demographics' | 'largest';

export interface Placement {
  cluster: number;
  basis: PlacementBasis;
}

/**
 * Where a user goes whom the model did not cluster (new, or arrived during a recluster): the one
 * rule ingestion, the recluster worker and the query service follow alike.
 */
export function placeUser(
  model: PlacementModel,
  ratings: Iterable<readonly [movieId: number, rating: number]>,
  profile: UserProfile | undefined,
): Placement {
  const nearest = model.centroids.nearest(ratings);
  if (nearest !== undefined) return { cluster: nearest, basis: 'ratings' };
  if (profile !== undefined && model.demographics !== undefined) {
    const group =
      model.demographics.clusters[nearestDemographicCluster(model.demographics, profile)];
    const cluster = group?.tasteCluster;
    if (cluster !== null && cluster !== undefined && cluster < model.centroids.clusters) {
      return { cluster, basis: 'demographics' };
    }
  }
  return { cluster: largestCluster(model.sizes), basis: 'largest' };
}

/** The index of the largest size; the lowest index among equals; 0 when there are none. */
function largestCluster(sizes: readonly number[]): number {
  let best = 0;
  sizes.forEach((size, c) => {
    if (size > (sizes[best] ?? 0)) best = c;
  });
  return best;
}

/** A stored model's parts, as the model store reads them. */
export interface PlaceableModel {
  description: { clusters: number; settings: RowSettings; sizes: readonly number[] };
  centroids: Float32Array;
  movieIds: ArrayLike<number>;
  demographics?: DemographicModel;
}

export function placementModelOf(model: PlaceableModel): PlacementModel {
  const { clusters, settings, sizes } = model.description;
  return {
    centroids: new CentroidModel(clusters, model.centroids, model.movieIds, settings),
    demographics: model.demographics,
    sizes,
  };
}
