import {
  applyMatrixValues,
  buildRatingMatrix,
  clusterMeans,
  cloneCsr,
  favouritesMatrix,
  type MatrixValues,
  mergeSmallClusters,
  nonZeros,
  normalizeRows,
  sparseKMeans,
} from '@app/clustering';
import { FAVOURITE_MIN_RATING } from '@app/events';

/** What a model is built from: every rating and every explicit favourite, as parallel lists. */
export interface ModelInput {
  userIds: ArrayLike<number>;
  movieIds: ArrayLike<number>;
  ratings: ArrayLike<number>;
  favouriteUserIds: ArrayLike<number>;
  favouriteMovieIds: ArrayLike<number>;
}

export interface ModelSettings {
  k: number;
  minClusterSize: number;
  values: MatrixValues;
  /** Scale each user's row to unit length before clustering (see normalizeRows). */
  normalize: boolean;
  seed: number;
  restarts: number;
  threads?: number;
}

/** What the recluster worker runs unless configured otherwise; evaluations start from it too. */
export const DEFAULT_MODEL_SETTINGS: Readonly<ModelSettings> = {
  k: 20,
  minClusterSize: 5,
  values: 'centred',
  normalize: true,
  seed: 1,
  restarts: 3,
};

export interface BuiltModel {
  clusters: number;
  /** userId -> cluster. */
  assignments: Map<number, number>;
  /** Cluster-major centres over movieIds, after the merge (means of each cluster's rows). */
  centroids: Float32Array;
  movieIds: Int32Array;
  inertia: number;
  iterations: number;
  sizesBefore: number[];
  sizesAfter: number[];
  movedByMerge: number;
  users: number;
  ratings: number;
}

/**
 * Clusters users by their ratings: the user x movie matrix, k-means, then the tiny-cluster merge
 * (users of clusters below the minimum move to the cluster whose favourites cover theirs best).
 */
export async function buildModel(input: ModelInput, settings: ModelSettings): Promise<BuiltModel> {
  const raw = buildRatingMatrix(
    {
      userIds: Int32Array.from(input.userIds),
      movieIds: Int32Array.from(input.movieIds),
      ratings: Float32Array.from(input.ratings),
    },
    { values: 'raw' },
  );
  const { matrix: rawMatrix, userIds, movieIds } = raw;
  if (rawMatrix.rows === 0) throw new Error('there are no ratings to cluster');
  const favourites = favouritesMatrix(
    rawMatrix,
    userIds,
    movieIds,
    { userIds: input.favouriteUserIds, movieIds: input.favouriteMovieIds },
    FAVOURITE_MIN_RATING,
  );
  const matrix = cloneCsr(rawMatrix);
  applyMatrixValues(matrix, settings.values, FAVOURITE_MIN_RATING);
  if (settings.normalize) normalizeRows(matrix);

  const k = Math.min(settings.k, matrix.rows);
  const result = await sparseKMeans(matrix, {
    k,
    seed: settings.seed,
    restarts: settings.restarts,
    ...(settings.threads === undefined ? {} : { threads: settings.threads }),
  });
  const merged = mergeSmallClusters({
    assignments: result.assignments,
    k,
    favourites,
    matrix,
    centroids: result.centroids,
    minSize: settings.minClusterSize,
  });
  const assignments = new Map<number, number>();
  userIds.forEach((userId, row) => assignments.set(userId, merged.assignments[row] ?? 0));
  return {
    clusters: merged.clusters,
    assignments,
    centroids: clusterMeans(matrix, merged.assignments, merged.clusters),
    movieIds,
    inertia: result.inertia,
    iterations: result.iterations,
    sizesBefore: merged.sizesBefore,
    sizesAfter: merged.sizesAfter,
    movedByMerge: merged.moved,
    users: matrix.rows,
    ratings: nonZeros(rawMatrix),
  };
}
