import { type RatingsRepository } from '@app/store';
import { type ExpectedState } from './expected-state';

/** Reads back from Redis everything the oracle predicts, in the oracle's shape. */
export async function readState(
  repository: RatingsRepository,
  version: number,
  userIds: Iterable<number>,
  clusterIds: Iterable<number>,
): Promise<ExpectedState> {
  const state: ExpectedState = { users: new Map(), clusters: new Map() };
  for (const userId of userIds) {
    state.users.set(userId, {
      ratings: await repository.getUserRatings(userId),
      favourites: await repository.getUserFavourites(userId),
    });
  }
  for (const cluster of clusterIds) {
    const aggregates = await repository.getClusterAggregates(version, cluster);
    if (aggregates.ratingCounts.size > 0 || aggregates.favourites.size > 0) {
      state.clusters.set(cluster, aggregates);
    }
  }
  return state;
}
