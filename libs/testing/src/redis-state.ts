import { DEFAULT_FAVOURITE_MIN_RATING, favouritesOf, type IngestEvent } from '@app/events';
import { type ClusterAggregatesStore, type UserEventStore } from '@app/store';
import { computeExpectedState, type ExpectedState } from './expected-state';

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
      hidden: user.hidden,
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

/**
 * The oracle and Redis side by side for the users of `events`, each user's cluster taken as
 * Redis stores it (the model's, or where ingestion placed them): for a test to compare, and to
 * check the clusters themselves.
 */
export async function stateAsStored(
  stores: { users: UserEventStore; aggregates: ClusterAggregatesStore },
  version: number,
  events: readonly IngestEvent[],
  clusterIds: Iterable<number>,
): Promise<{ expected: ExpectedState; actual: ExpectedState; clusters: Map<number, number> }> {
  const userIds = [...new Set(events.map((e) => e.userId))];
  const clusters = await stores.users.clustersOf(userIds, version);
  const expected = computeExpectedState(events, clusters);
  const actual = await readState(stores, version, userIds, clusterIds);
  return { expected, actual, clusters };
}
