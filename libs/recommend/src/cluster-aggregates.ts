/** What one cluster holds per movie, as ingestion keeps it in Redis. */
export interface ClusterAggregates {
  /** movieId -> number of the cluster's users who favour it. */
  favourites: ReadonlyMap<number, number>;
  /** movieId -> sum of the cluster's ratings. */
  ratingSums: ReadonlyMap<number, number>;
  /** movieId -> number of the cluster's ratings. */
  ratingCounts: ReadonlyMap<number, number>;
}

/** Ratings as parallel columns (one entry per user and movie), and favourites likewise. */
export interface RatingTable {
  userIds: ArrayLike<number>;
  movieIds: ArrayLike<number>;
  ratings: ArrayLike<number>;
}

export interface FavouriteTable {
  userIds: ArrayLike<number>;
  movieIds: ArrayLike<number>;
}

interface MutableAggregates {
  favourites: Map<number, number>;
  ratingSums: Map<number, number>;
  ratingCounts: Map<number, number>;
}

const increment = (map: Map<number, number>, key: number, by: number): void => {
  map.set(key, (map.get(key) ?? 0) + by);
};

/**
 * Cluster aggregates computed in memory from ratings, explicit favourites and each user's
 * cluster: what ingestion maintains in Redis, for offline evaluation and model building. A movie
 * is a user's favourite when rated at least `favouriteMinRating` or explicitly favourited.
 */
export function aggregateClusters(
  clusters: number,
  clusterOf: ReadonlyMap<number, number>,
  ratings: RatingTable,
  favourites: FavouriteTable,
  favouriteMinRating: number,
): ClusterAggregates[] {
  const result: MutableAggregates[] = Array.from({ length: clusters }, () => ({
    favourites: new Map(),
    ratingSums: new Map(),
    ratingCounts: new Map(),
  }));
  const favouritePairs = new Set<string>();
  const addFavourite = (cluster: MutableAggregates, userId: number, movieId: number): void => {
    const pair = `${userId}:${movieId}`;
    if (favouritePairs.has(pair)) return;
    favouritePairs.add(pair);
    increment(cluster.favourites, movieId, 1);
  };
  for (let i = 0; i < ratings.userIds.length; i++) {
    const target = result[clusterOf.get(ratings.userIds[i] ?? 0) ?? -1];
    if (target === undefined) continue;
    const [userId, movieId, rating] = [ratings.userIds[i], ratings.movieIds[i], ratings.ratings[i]];
    if (userId === undefined || movieId === undefined || rating === undefined) continue;
    increment(target.ratingSums, movieId, rating);
    increment(target.ratingCounts, movieId, 1);
    if (rating >= favouriteMinRating) addFavourite(target, userId, movieId);
  }
  for (let i = 0; i < favourites.userIds.length; i++) {
    const [userId, movieId] = [favourites.userIds[i], favourites.movieIds[i]];
    if (userId === undefined || movieId === undefined) continue;
    const target = result[clusterOf.get(userId) ?? -1];
    if (target !== undefined) addFavourite(target, userId, movieId);
  }
  return result;
}
