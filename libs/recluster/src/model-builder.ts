import {
  applyMatrixValues,
  clusterMeans,
  type CsrMatrix,
  type CsrPattern,
  favouritesPattern,
  mergeSmallClusters,
  type ModelSettings,
  nonZeros,
  normalizeRows,
  sparseKMeans,
} from '@app/clustering';

/**
 * What a model is built from: every user's latest ratings as a user x movie matrix (raw ratings,
 * columns ascending in each row, on shared memory) and their explicit favourites on the same
 * rows and columns. A RatingsSnapshot of the store is one; so is a MovieLens file through
 * buildRatingMatrix.
 */
export interface ModelInput {
  /** Row r is user userIds[r]. */
  userIds: ArrayLike<number>;
  /** Column c is movie movieIds[c]. */
  movieIds: Float64Array;
  ratings: CsrMatrix;
  favourites: CsrPattern;
}

export interface BuiltModel {
  clusters: number;
  /** The cluster of each row of the input. */
  rowClusters: Int32Array;
  /** userId -> cluster, the same as rowClusters. */
  assignments: Map<number, number>;
  /** Each row's favourites: ratings of at least the threshold, and the explicit ones. */
  favourites: CsrPattern;
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
  /** Where the time went, in seconds. */
  seconds: { matrix: number; kmeans: number; merge: number };
}

/**
 * Clusters users by their ratings: the matrix values, k-means, then the tiny-cluster merge
 * (users of clusters below the minimum move to the cluster whose favourites cover theirs best).
 * The clustered matrix shares the input's row and column arrays; only its values are new.
 */
export async function buildModel(input: ModelInput, settings: ModelSettings): Promise<BuiltModel> {
  const { ratings: raw, userIds, movieIds } = input;
  if (raw.rows === 0) throw new Error('there are no ratings to cluster');
  let started = performance.now();
  const favourites = favouritesPattern(raw, input.favourites, settings.favouriteMinRating);
  const values = new Float32Array(new SharedArrayBuffer(4 * nonZeros(raw)));
  values.set(raw.values.subarray(0, nonZeros(raw)));
  const matrix: CsrMatrix = { ...raw, values };
  applyMatrixValues(matrix, settings);
  if (settings.normalize) normalizeRows(matrix);
  const matrixSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const k = Math.min(settings.k, matrix.rows);
  const result = await sparseKMeans(matrix, {
    k,
    seed: settings.seed,
    restarts: settings.restarts,
    ...(settings.threads === undefined ? {} : { threads: settings.threads }),
  });
  const kmeansSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const merged = mergeSmallClusters({
    assignments: result.assignments,
    k,
    favourites,
    matrix,
    centroids: result.centroids,
    minSize: settings.minClusterSize,
  });
  const assignments = new Map<number, number>();
  for (let row = 0; row < matrix.rows; row++) {
    assignments.set(userIds[row] ?? 0, merged.assignments[row] ?? 0);
  }
  const centroids = clusterMeans(matrix, merged.assignments, merged.clusters);
  const mergeSeconds = (performance.now() - started) / 1000;
  return {
    clusters: merged.clusters,
    rowClusters: merged.assignments,
    assignments,
    favourites,
    centroids,
    movieIds,
    inertia: result.inertia,
    iterations: result.iterations,
    sizesBefore: merged.sizesBefore,
    sizesAfter: merged.sizesAfter,
    movedByMerge: merged.moved,
    users: matrix.rows,
    ratings: nonZeros(raw),
    seconds: { matrix: matrixSeconds, kmeans: kmeansSeconds, merge: mergeSeconds },
  };
}
