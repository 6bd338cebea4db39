import { type CsrMatrix, type CsrPattern } from '@app/clustering';

/** What one cluster holds per movie, as ingestion keeps it in Redis. */
export interface ClusterAggregates {
  /** movieId -> number of the cluster's users who favour it. */
  favourites: ReadonlyMap<number, number>;
  /** movieId -> sum of the cluster's ratings. */
  ratingSums: ReadonlyMap<number, number>;
  /** movieId -> number of the cluster's ratings. */
  ratingCounts: ReadonlyMap<number, number>;
}

/**
 * Every cluster's aggregates at once, in typed arrays indexed [cluster * cols + column]: what a
 * recluster publishes with a model, computed from the ratings it read, without a map per cluster.
 */
export interface ClusterTotals {
  clusters: number;
  cols: number;
  /** Users of the cluster who favour the movie. */
  favourites: Int32Array;
  /** The cluster's ratings of the movie, in half stars, so sums stay exact integers. */
  sums2: Float64Array;
  counts: Int32Array;
}

/**
 * Cluster totals of a user x movie matrix: each row's ratings add to its cluster's sums and
 * counts, each of its favourites (a pattern on the same rows and columns) one to its cluster's
 * count. Rows with a negative cluster are left out.
 */
export function clusterTotals(
  ratings: CsrMatrix,
  favourites: CsrPattern,
  rowClusters: Int32Array,
  clusters: number,
): ClusterTotals {
  const cols = ratings.cols;
  const totals: ClusterTotals = {
    clusters,
    cols,
    favourites: new Int32Array(clusters * cols),
    sums2: new Float64Array(clusters * cols),
    counts: new Int32Array(clusters * cols),
  };
  for (let r = 0; r < ratings.rows; r++) {
    const cluster = rowClusters[r] ?? -1;
    if (cluster < 0) continue;
    const base = cluster * cols;
    for (let p = ratings.rowPtr[r] ?? 0; p < (ratings.rowPtr[r + 1] ?? 0); p++) {
      const at = base + (ratings.colIndices[p] ?? 0);
      totals.sums2[at] = (totals.sums2[at] ?? 0) + Math.round((ratings.values[p] ?? 0) * 2);
      totals.counts[at] = (totals.counts[at] ?? 0) + 1;
    }
    for (let p = favourites.rowPtr[r] ?? 0; p < (favourites.rowPtr[r + 1] ?? 0); p++) {
      const at = base + (favourites.colIndices[p] ?? 0);
      totals.favourites[at] = (totals.favourites[at] ?? 0) + 1;
    }
  }
  return totals;
}

/** One cluster's totals as the maps a ranking reads, movies named by `movieIds`. */
export function aggregatesOf(
  totals: ClusterTotals,
  cluster: number,
  movieIds: ArrayLike<number>,
): ClusterAggregates {
  const favourites = new Map<number, number>();
  const ratingSums = new Map<number, number>();
  const ratingCounts = new Map<number, number>();
  const base = cluster * totals.cols;
  for (let col = 0; col < totals.cols; col++) {
    const movie = movieIds[col] ?? 0;
    const favoured = totals.favourites[base + col] ?? 0;
    const count = totals.counts[base + col] ?? 0;
    if (favoured > 0) favourites.set(movie, favoured);
    if (count > 0) {
      ratingCounts.set(movie, count);
      ratingSums.set(movie, (totals.sums2[base + col] ?? 0) / 2);
    }
  }
  return { favourites, ratingSums, ratingCounts };
}
