import { FAVOURITE_MIN_RATING, type IngestEvent } from '@app/events';
import { type ClusterAggregates, type StoredRating } from '@app/store';

export interface ExpectedUser {
  ratings: Map<number, StoredRating>;
  favourites: Set<number>;
}

export interface ExpectedState {
  users: Map<number, ExpectedUser>;
  clusters: Map<number, ClusterAggregates>;
}

/**
 * The test oracle: Redis state computed from scratch, in memory, from the valid events. Ratings
 * are last-writer-wins by (timestamp, rating); favourites are ratings of 4+ plus explicit ones.
 */
export function computeExpectedState(
  events: readonly IngestEvent[],
  clusterOf: ReadonlyMap<number, number>,
): ExpectedState {
  const ratings = new Map<number, Map<number, StoredRating>>();
  const explicit = new Map<number, Set<number>>();
  for (const event of events) {
    const userRatings = ratings.get(event.userId) ?? new Map<number, StoredRating>();
    const userExplicit = explicit.get(event.userId) ?? new Set<number>();
    ratings.set(event.userId, userRatings);
    explicit.set(event.userId, userExplicit);
    if (event.kind === 'favourite') {
      userExplicit.add(event.movieId);
      continue;
    }
    const old = userRatings.get(event.movieId);
    const newer =
      old === undefined ||
      event.timestamp > old.timestamp ||
      (event.timestamp === old.timestamp && event.rating > old.rating);
    if (newer) userRatings.set(event.movieId, { rating: event.rating, timestamp: event.timestamp });
  }

  const users = new Map<number, ExpectedUser>();
  const clusters = new Map<number, ClusterAggregates>();
  for (const [userId, userRatings] of ratings) {
    const favourites = new Set(explicit.get(userId));
    for (const [movie, { rating }] of userRatings) {
      if (rating >= FAVOURITE_MIN_RATING) favourites.add(movie);
    }
    users.set(userId, { ratings: userRatings, favourites });

    const cluster = clusterOf.get(userId);
    if (cluster === undefined) continue;
    let aggregates = clusters.get(cluster);
    if (!aggregates) {
      aggregates = { favourites: new Map(), ratingSums: new Map(), ratingCounts: new Map() };
      clusters.set(cluster, aggregates);
    }
    for (const [movie, { rating }] of userRatings) {
      aggregates.ratingSums.set(movie, (aggregates.ratingSums.get(movie) ?? 0) + rating);
      aggregates.ratingCounts.set(movie, (aggregates.ratingCounts.get(movie) ?? 0) + 1);
    }
    for (const movie of favourites) {
      aggregates.favourites.set(movie, (aggregates.favourites.get(movie) ?? 0) + 1);
    }
  }
  return { users, clusters };
}
