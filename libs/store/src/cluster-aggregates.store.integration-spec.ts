import { type RedisConfig } from '@app/config';
import { type IngestEvent } from '@app/events';
import { type ClusterAggregates } from '@app/recommend';
import {
  applyToActiveModels,
  aRating,
  generateEvents,
  isolatedEnvironment,
  openStores,
  publishModel,
  type TestStores,
} from '@app/testing';
import { ClusterAggregatesStore, type ClusterChanges } from './cluster-aggregates.store';
import { createRedisClient, RedisConnection } from './redis-connection';

const CLUSTERS = 3;
const USERS = 30;

/** Applies changes as a reader does: each changed movie's values replace what it held. */
function withChanges(held: ClusterAggregates, changes: ClusterChanges): ClusterAggregates {
  const next = {
    favourites: new Map(held.favourites),
    ratingSums: new Map(held.ratingSums),
    ratingCounts: new Map(held.ratingCounts),
  };
  for (const { movieId, ratingSum, ratingCount, favourites } of changes.movies) {
    for (const [values, value] of [
      [next.ratingSums, ratingSum],
      [next.ratingCounts, ratingCount],
      [next.favourites, favourites],
    ] as const) {
      if (value === 0) values.delete(movieId);
      else values.set(movieId, value);
    }
  }
  return next;
}

// Both write paths record changes: the single-node scripts, and the Redis Cluster relay (run
// on one server here, and on a real cluster in the suite's second pass).
describe.each(
  [
    { mode: 'single node', cluster: false },
    { mode: 'Redis Cluster', cluster: true },
  ].filter(({ cluster }) => cluster || process.env.REDIS_CLUSTER !== 'true'),
)(`${ClusterAggregatesStore.name} change streams ($mode)`, ({ cluster }) => {
  let redis: RedisConfig;
  let stores: TestStores;
  let version: number;

  beforeEach(async () => {
    const env = isolatedEnvironment().redis;
    redis = { ...env, cluster: cluster || env.cluster };
    // The client for the server that is there: a standalone one runs the grouped scripts too.
    stores = openStores(redis, new RedisConnection(redis, createRedisClient(env, {})));
    const assignments = new Map<number, number>();
    for (let userId = 1; userId <= USERS; userId++) assignments.set(userId, userId % CLUSTERS);
    version = await publishModel(stores, { clusters: CLUSTERS, assignments });
  });

  afterEach(() => stores.close());

  const apply = (events: readonly IngestEvent[]) => applyToActiveModels(stores, events);

  it('names the movies that changed since a read, with their values now', async () => {
    await apply(generateEvents(600, { seed: 3, users: USERS, movies: 40 }));
    const before = await stores.aggregates.readAt(version, 1);
    // Users 1, 4, 7... are in cluster 1: a new movie, a re-rating, and a rating taken down
    // below the favourite threshold.
    await apply([
      aRating({ userId: 1, movieId: 900, rating: 5, timestamp: 2_000_000_000 }),
      aRating({ userId: 4, movieId: 3, rating: 1, timestamp: 2_000_000_000 }),
    ]);
    await apply([aRating({ userId: 7, movieId: 3, rating: 2, timestamp: 2_000_000_000 })]);

    const changes = await stores.aggregates.readChanges(version, 1, before.change);
    const after = await stores.aggregates.readAt(version, 1);

    expect(changes?.change).toBe(after.change);
    expect(after.change).toBe(before.change + 2);
    expect(changes?.movies.map(({ movieId }) => movieId).sort((a, b) => a - b)).toEqual([3, 900]);
    expect(withChanges(before.aggregates, changes!)).toEqual(after.aggregates);
    // Nothing since the last change: nothing to read.
    expect(await stores.aggregates.readChanges(version, 1, after.change)).toEqual({
      change: after.change,
      movies: [],
    });
    // The all-users aggregate has its stream too.
    const everyone = await stores.aggregates.readAt(0, 0);
    expect(everyone.change).toBeGreaterThan(0);
  });

  it('sends a reader to a whole read when more changed than it asks for, or the stream lost entries', async () => {
    const before = await stores.aggregates.readAt(version, 2);
    // One change of cluster 2 per call: users 2, 5, 8...
    for (let i = 0; i < 3; i++) {
      await apply([aRating({ userId: 2, movieId: 10 + i, rating: 4 })]);
    }

    expect(await stores.aggregates.readChanges(version, 2, before.change, 2)).toBeUndefined();
    expect(
      (await stores.aggregates.readChanges(version, 2, before.change, 3))?.movies,
    ).toHaveLength(3);
    // A change the stream never had (it started over, as after a rollback and republish).
    expect(await stores.aggregates.readChanges(version, 2, before.change + 99)).toBeUndefined();
  });
});
