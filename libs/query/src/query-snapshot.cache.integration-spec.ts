import { type RedisConfig } from '@app/config';
import { Reclusterer } from '@app/recluster';
import { DEFAULT_SHRINKAGE } from '@app/recommend';
import {
  applyToActiveModels,
  aRating,
  aReclusterSettings,
  deleteKeysOf,
  generateEvents,
  isolatedEnvironment,
  openStores,
  publishModel,
  type TestStores,
} from '@app/testing';
import { type QuerySnapshot } from './query-snapshot';
import { QuerySnapshotCache } from './query-snapshot.cache';
import { StoreUnavailableError } from './query.errors';
import { variantOf } from './variant';

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

  describe('with a candidate', () => {
    const users = Array.from({ length: USERS }, (_, i) => i + 1);

    /** A current model of the worker's settings and a candidate of k 2, over the same events. */
    async function withCandidate() {
      await ingest(generateEvents(600, { seed: 11, users: USERS, movies: 40 }));
      const reclusterer = new Reclusterer(stores, aReclusterSettings({ k: 3 }));
      const current = await reclusterer.run();
      const candidate = await reclusterer.candidate({ k: 2, values: 'centred' });
      if (current.status !== 'published' || candidate.status !== 'published') {
        throw new Error('no models');
      }
      return { reclusterer, current: current.version, candidate: candidate.version };
    }

    it('answers the share of users variantOf names from the candidate, the others from the current model', async () => {
      const { current, candidate } = await withCandidate();
      const sut = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE, { candidateShare: 0.5 });

      await sut.refresh();

      const answered = users.map((userId) => sut.forUser(userId));
      expect(answered.map(({ variant }) => variant)).toEqual(
        users.map((userId) => variantOf(userId, 0.5)),
      );
      // Both variants are in use among 40 users, and each names its model.
      expect(new Set(answered.map(({ variant }) => variant))).toEqual(
        new Set(['active', 'candidate']),
      );
      for (const { snapshot, variant } of answered) {
        expect(snapshot.model?.version).toBe(variant === 'candidate' ? candidate : current);
      }
      expect(sut.current?.model?.version).toBe(current);
      expect(sut.candidate?.model?.clusterCount).toBe(2);
      // The popular lists are read once, for both.
      expect(sut.candidate?.popular).toBe(sut.current?.popular);
      // Its clusters are kept up to date like the current model's: as a fresh read finds them.
      await ingest(generateEvents(100, { seed: 12, users: USERS, movies: 40 }));
      await sut.refresh();
      const fresh = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE, { candidateShare: 0.5 });
      await fresh.refresh();
      expect(sut.candidate?.model?.ranking.clusters).toEqual(
        fresh.candidate?.model?.ranking.clusters,
      );
      expect(sut.reads.changes).toBeGreaterThan(0);
    });

    it('loads no candidate with no share of users, and answers everyone from the current model', async () => {
      const { current } = await withCandidate();
      const sut = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);

      await sut.refresh();

      expect(sut.candidate).toBeUndefined();
      expect(users.map((userId) => sut.forUser(userId).variant)).toEqual(users.map(() => 'active'));
      expect(sut.forUser(1).snapshot.model?.version).toBe(current);
    });

    it('answers everyone from the promoted model once the candidate is promoted', async () => {
      const { reclusterer } = await withCandidate();
      const sut = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE, { candidateShare: 1 });
      await sut.refresh();
      expect(sut.forUser(1).variant).toBe('candidate');

      const promoted = await reclusterer.promote();
      await sut.refresh();

      if (promoted.status !== 'published') throw new Error('not promoted');
      expect(sut.candidate).toBeUndefined();
      expect(sut.forUser(1)).toEqual({ snapshot: sut.current, variant: 'active' });
      expect(sut.current?.model?.version).toBe(promoted.version);
    });

    it('throws StoreUnavailableError for a user before the first read', () => {
      const sut = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE, { candidateShare: 0.5 });

      expect(() => sut.forUser(1)).toThrow(StoreUnavailableError);
    });
  });
});
