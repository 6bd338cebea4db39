import { DEFAULT_FAVOURITE_MIN_RATING, favouritesOf } from '@app/events';
import { type ClusterAggregatesStore, type UserEventStore } from '@app/store';
import { type ExpectedState } from './expected-state';

/** Reads back from Redis everything the oracle predicts, in the oracle's shape. */
export async function readState(
  stores: { users: UserEventStore; aggregates: ClusterAggregatesStore },
  version: number,
  userIds: Iterable<number>,
  clusterIds: Iterable<number>,
  favouriteMinRating = DEFAULT_FAVOURITE_MIN_RATING,
): Promise<ExpectedState> {
  const state: ExpectedState = {
    users: new Map(),
    clusters: new Map(),
    allUsers: await stores.aggregates.readAllUsers(),
  };
  for (const userId of userIds) {
    const user = await stores.users.readUser(userId);
    const ratings = [...user.ratings].map(([movie, { rating }]) => [movie, rating] as const);
    state.users.set(userId, {
      ratings: user.ratings,
      favourites: favouritesOf(ratings, user.explicitFavourites, favouriteMinRating),
    });
  }
  for (const cluster of clusterIds) {
    const aggregates = await stores.aggregates.read(version, cluster);
    if (aggregates.ratingCounts.size > 0 || aggregates.favourites.size > 0) {
      state.clusters.set(cluster, aggregates);
    }
  }
  return state;
}
