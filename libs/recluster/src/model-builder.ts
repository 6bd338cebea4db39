import {
  applyMatrixValues,
  buildRatingMatrix,
  type IdColumn,
  clusterMeans,
  cloneCsr,
  favouritesMatrix,
  mergeSmallClusters,
  type ModelSettings,
  nonZeros,
  normalizeRows,
  sparseKMeans,
} from '@app/clustering';
/** What a model is built from: every rating and every explicit favourite, as parallel columns. */
export interface ModelInput {
  userIds: IdColumn;
  movieIds: IdColumn;
  ratings: Float32Array;
  favouriteUserIds: ArrayLike<number>;
  favouriteMovieIds: ArrayLike<number>;
}

export interface BuiltModel {
  clusters: number;
  /** userId -> cluster. */
  assignments: Map<number, number>;
  /** Cluster-major centres over movieIds, after the merge (means of each cluster's rows). */
  centroids: Float32Array;
  movieIds: Float64Array;
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
  const raw = buildRatingMatrix(input, {
    values: 'raw',
    favouriteMinRating: settings.favouriteMinRating,
  });
  const { matrix: rawMatrix, userIds, movieIds } = raw;
  if (rawMatrix.rows === 0) throw new Error('there are no ratings to cluster');
  const favourites = favouritesMatrix(
    rawMatrix,
    userIds,
    movieIds,
    { userIds: input.favouriteUserIds, movieIds: input.favouriteMovieIds },
    settings.favouriteMinRating,
  );
  const matrix = cloneCsr(rawMatrix);
  applyMatrixValues(matrix, settings);
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
