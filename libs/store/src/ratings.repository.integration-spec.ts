import { type RedisConfig } from '@app/config';
import { type IngestEvent } from '@app/events';
import {
  aFavourite,
  aRating,
  computeExpectedState,
  generateEvents,
  isolatedEnvironment,
  publishModel,
  readState,
} from '@app/testing';
import { applyClusterDeltasScript } from './apply-cluster-deltas.script';
import { applyEventsScript } from './apply-events.script';
import { type RedisClient } from './lua-script';
import { RatingsRepository } from './ratings.repository';
import { createRedisClient } from './redis-client';

const VERSION = 1;
const MODEL = { version: VERSION, clusters: 3 };
const clusterOf = (userId: number): number | undefined =>
  userId % 4 === 0 ? undefined : userId % 3;

// With `cluster: true` scripts are grouped by hash slot as on Redis Cluster; a standalone client
// runs them, which proves each group's keys and results line up.
const repositoryFor = (redis: RedisConfig, cluster: boolean, client?: RedisClient) =>
  new RatingsRepository(
    { ...redis, cluster },
    client ?? createRedisClient({ ...redis, cluster: false }),
  );

// Where a crash hurts most: in the single-node path after some chunks were applied, in the
// Redis Cluster path after the user updates and before the cluster updates.
describe.each([
  { mode: 'single node', cluster: false, crashAt: { script: applyEventsScript, call: 2 } },
  { mode: 'Redis Cluster', cluster: true, crashAt: { script: applyClusterDeltasScript, call: 1 } },
])(`${RatingsRepository.name} ($mode)`, ({ cluster, crashAt }) => {
  let sut: RatingsRepository;

  beforeEach(() => {
    const { redis } = isolatedEnvironment();
    sut = repositoryFor(redis, cluster);
  });

  afterEach(() => sut.close());

  const assign = async (userIds: Iterable<number>): Promise<Map<number, number>> => {
    const assignments = new Map<number, number>();
    for (const userId of userIds) {
      const c = clusterOf(userId);
      if (c !== undefined) assignments.set(userId, c);
    }
    expect(await publishModel(sut, { clusters: MODEL.clusters, assignments })).toBe(VERSION);
    return assignments;
  };

  const expectStateMatches = async (
    events: readonly IngestEvent[],
    assignments: Map<number, number>,
  ) => {
    const expected = computeExpectedState(events, assignments);
    const actual = await readState(sut, VERSION, expected.users.keys(), [0, 1, 2]);
    expect(actual).toEqual(expected);
  };

  it('creates an unknown user from their first event', async () => {
    await sut.applyEvents([aRating({ userId: 77, movieId: 5, rating: 3.5 })]);

    expect(await sut.getUserIds()).toEqual([77]);
    expect(await sut.getUserRatings(77)).toEqual(new Map([[5, { rating: 3.5, timestamp: 1_000 }]]));
  });

  it('changes nothing when a batch is delivered twice', async () => {
    const assignments = await assign([1, 2, 3]);
    const events = [
      aRating({ userId: 1, movieId: 10, rating: 5 }),
      aRating({ userId: 2, movieId: 10, rating: 2 }),
      aFavourite({ userId: 3, movieId: 11 }),
    ];

    await sut.applyEvents(events);
    await sut.applyEvents(events);

    await expectStateMatches(events, assignments);
    const aggregates = await sut.getClusterAggregates(VERSION, 1);
    expect(aggregates.ratingCounts.get(10)).toBe(1);
    expect(aggregates.favourites.get(10)).toBe(1);
  });

  it('replaces a re-rating and moves every count and sum with it', async () => {
    const assignments = await assign([1]);
    await sut.applyEvents([aRating({ userId: 1, movieId: 10, rating: 5, timestamp: 100 })]);
    await sut.applyEvents([aRating({ userId: 1, movieId: 10, rating: 2, timestamp: 200 })]);

    const aggregates = await sut.getClusterAggregates(VERSION, assignments.get(1)!);
    expect(aggregates.ratingSums.get(10)).toBe(2);
    expect(aggregates.ratingCounts.get(10)).toBe(1);
    expect(aggregates.favourites.has(10)).toBe(false);
    expect(await sut.getUserFavourites(1)).toEqual(new Set());
  });

  it('keeps the newer rating when an older one arrives late', async () => {
    await assign([1]);
    await sut.applyEvents([aRating({ userId: 1, movieId: 10, rating: 2, timestamp: 200 })]);
    await sut.applyEvents([aRating({ userId: 1, movieId: 10, rating: 5, timestamp: 100 })]);

    expect(await sut.getUserRatings(1)).toEqual(new Map([[10, { rating: 2, timestamp: 200 }]]));
  });

  it('counts a favourite added twice once, and a favourite by rating and event once', async () => {
    const assignments = await assign([1]);
    const events = [
      aFavourite({ userId: 1, movieId: 10 }),
      aFavourite({ userId: 1, movieId: 10, timestamp: 2_000 }),
      aRating({ userId: 1, movieId: 11, rating: 4.5 }),
      aFavourite({ userId: 1, movieId: 11 }),
    ];

    await sut.applyEvents(events);

    const aggregates = await sut.getClusterAggregates(VERSION, assignments.get(1)!);
    expect(aggregates.favourites).toEqual(
      new Map([
        [10, 1],
        [11, 1],
      ]),
    );
  });

  it('keeps aggregates only for users who have a cluster, and names the others', async () => {
    await assign([1]);

    const result = await sut.applyEvents([
      aRating({ userId: 4, movieId: 10, rating: 5 }),
      aRating({ userId: 1, movieId: 11, rating: 3 }),
    ]);

    expect(result.models).toEqual([MODEL]);
    expect(result.unassigned).toEqual(new Map([[VERSION, [4]]]));
    for (const c of [0, 1, 2]) {
      expect((await sut.getClusterAggregates(VERSION, c)).ratingCounts.has(10)).toBe(false);
    }
  });

  it('applies events to a model published after it looked up the active models', async () => {
    const { redis } = isolatedEnvironment();
    const publisher = repositoryFor(redis, cluster);
    const events = generateEvents(200, { seed: 5, users: 12, movies: 10 });
    const assignments = new Map([...new Set(events.map((e) => e.userId))].map((u) => [u, u % 3]));
    let published: Promise<number> | undefined;
    // The model is published between the repository's look-up and its first script call.
    const racing = repositoryFor(
      redis,
      cluster,
      beforeFirstEval(createRedisClient({ ...redis, cluster: false }), () => {
        published = publishModel(publisher, { clusters: MODEL.clusters, assignments });
        return published;
      }),
    );
    try {
      await publisher.applyEvents(events.slice(0, 100));

      const result = await racing.applyEvents(events.slice(100));

      expect(await published).toBe(VERSION);
      expect(result.models).toEqual([MODEL]);
      const expected = computeExpectedState(events, assignments);
      expect(await readState(publisher, VERSION, expected.users.keys(), [0, 1, 2])).toEqual(
        expected,
      );
    } finally {
      await Promise.all([publisher.close(), racing.close()]);
    }
  });

  it('equals a from-scratch computation over a long mixed stream applied in batches', async () => {
    const events = generateEvents(600, { seed: 7, users: 25, movies: 15 });
    const assignments = await assign(new Set(events.map((e) => e.userId)));

    for (let i = 0; i < events.length; i += 50) {
      await sut.applyEvents(events.slice(i, i + 50));
    }

    await expectStateMatches(events, assignments);
  });

  it('repairs a batch that failed part-way when the batch is replayed', async () => {
    const { redis } = isolatedEnvironment();
    const crashing = failingOnce(
      createRedisClient({ ...redis, cluster: false }),
      crashAt.script.sha,
      crashAt.call,
    );
    const broken = repositoryFor(redis, cluster, crashing);
    const healthy = repositoryFor(redis, cluster);
    try {
      const events = generateEvents(300, { seed: 3, users: 30, movies: 8 });
      const assignments = new Map<number, number>();
      for (const { userId } of events) {
        const c = clusterOf(userId);
        if (c !== undefined) assignments.set(userId, c);
      }
      await publishModel(healthy, { clusters: MODEL.clusters, assignments });

      await expect(broken.applyEvents(events)).rejects.toThrow('injected failure');
      await healthy.applyEvents(events);

      const expected = computeExpectedState(events, assignments);
      expect(await readState(healthy, VERSION, expected.users.keys(), [0, 1, 2])).toEqual(expected);
    } finally {
      await Promise.all([broken.close(), healthy.close()]);
    }
  });
});

/** A client whose n-th call of the given script fails, as if the process died right there. */
function failingOnce(client: RedisClient, sha: string, n: number): RedisClient {
  let calls = 0;
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'evalsha' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (args[0] === sha && ++calls === n) {
          return Promise.reject(new Error('injected failure'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** A client that runs `first` (and waits for it) before its first script call. */
function beforeFirstEval(client: RedisClient, first: () => Promise<unknown>): RedisClient {
  let done: Promise<unknown> | undefined;
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'evalsha' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        done ??= first();
        await done;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
