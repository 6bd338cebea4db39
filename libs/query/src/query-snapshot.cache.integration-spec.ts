import { type RedisConfig } from '@app/config';
import { DEFAULT_SHRINKAGE } from '@app/recommend';
import {
  applyToActiveModels,
  aRating,
  deleteKeysOf,
  generateEvents,
  isolatedEnvironment,
  openStores,
  publishModel,
  type TestStores,
} from '@app/testing';
import { type QuerySnapshot } from './query-snapshot';
import { QuerySnapshotCache } from './query-snapshot.cache';

const USERS = 40;

/** What a snapshot answers from: every cluster's aggregates and rankings, and the popular list. */
const contentOf = (snapshot: QuerySnapshot) => ({
  popular: snapshot.popular.popular(),
  clusters: snapshot.model?.ranking.clusters,
  rankings: [0, 1].map((c) => [
    snapshot.model?.ranking.ranked(c, 'rating'),
    snapshot.model?.ranking.ranked(c, 'favourites'),
  ]),
});

describe(QuerySnapshotCache.name, () => {
  let redis: RedisConfig;
  let stores: TestStores;

  beforeEach(async () => {
    redis = isolatedEnvironment().redis;
    stores = openStores(redis);
    const assignments = new Map<number, number>();
    for (let userId = 1; userId <= USERS; userId++) assignments.set(userId, userId % 2);
    await publishModel(stores, { clusters: 2, assignments });
  });

  afterEach(async () => {
    await deleteKeysOf(redis);
    await stores.close();
  });

  /** Applies events as ingestion does: writes, then the count readers watch. */
  const ingest = async (events: Parameters<typeof applyToActiveModels>[1]) => {
    await applyToActiveModels(stores, events);
    await stores.counters.countBatch(events.length, 0);
  };

  it('reads each cluster whole once, then only what changed, to what a fresh read finds', async () => {
    await ingest(generateEvents(800, { seed: 8, users: USERS, movies: 60 }));
    const sut = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);
    await sut.refresh();
    // The all-users aggregate and the model's two clusters.
    expect(sut.reads).toEqual({ whole: 3, changes: 0 });

    await ingest([
      ...generateEvents(200, { seed: 9, users: USERS, movies: 60 }),
      // A movie new to everyone, and a later re-rating that takes a favourite away.
      aRating({ userId: 3, movieId: 7_777, rating: 5, timestamp: 2_000_000_000 }),
      aRating({ userId: 4, movieId: 1, rating: 0.5, timestamp: 2_000_000_000 }),
    ]);
    const refreshed = await sut.refresh();

    expect(sut.reads).toEqual({ whole: 3, changes: 3 });
    const fresh = await new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE).refresh();
    expect(contentOf(refreshed)).toEqual(contentOf(fresh));
    expect(refreshed.knows(7_777)).toBe(true);
  });

  it('reads nothing while nothing was ingested, and the new model whole once it is published', async () => {
    await ingest(generateEvents(300, { seed: 10, users: USERS, movies: 30 }));
    const sut = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);
    const first = await sut.refresh();

    expect(await sut.refresh()).toBe(first);
    expect(sut.reads).toEqual({ whole: 3, changes: 0 });

    const assignments = new Map<number, number>();
    for (let userId = 1; userId <= USERS; userId++) assignments.set(userId, userId % 3);
    const version = await publishModel(stores, { clusters: 3, assignments });
    const switched = await sut.refresh();

    expect(switched.model?.version).toBe(version);
    // The all-users aggregate did not change; the new model's three clusters are read whole.
    expect(sut.reads).toEqual({ whole: 6, changes: 1 });
  });
});
