import { favouritesPattern } from '@app/clustering';
import { type RedisConfig } from '@app/config';
import { type IngestEvent, MAX_TIMESTAMP } from '@app/events';
import { clusterTotals } from '@app/recommend';
import {
  aFavourite,
  aFeedback,
  aModelDescription,
  applyToActiveModels,
  aRating,
  computeExpectedState,
  generateEvents,
  isolatedEnvironment,
  openStores,
  publishModel,
  rawRedis,
  readState,
  shuffled,
  stateAsStored,
  type TestStores,
} from '@app/testing';
import { applyClusterDeltasScript } from './apply-cluster-deltas.script';
import { applyEventsScript } from './apply-events.script';
import { type RedisClient } from './lua-script';
import { createRedisClient, internalsOf, RedisConnection } from './redis-connection';
import { snapshotContribution } from './snapshot-contribution';
import { StaleModelsError, UserEventStore } from './user-events.store';

const VERSION = 1;
const CLUSTERS = [0, 1, 2];
const clusterOf = (userId: number): number | undefined =>
  userId % 4 === 0 ? undefined : userId % 3;

/**
 * With `cluster: true` scripts are grouped by hash slot as on Redis Cluster, and each user's
 * effect travels through their outbox; a standalone client runs them, which proves each group's
 * keys and results line up. (The suite's second pass runs on a real Redis Cluster.)
 */
const storesFor = (redis: RedisConfig, cluster: boolean, client?: RedisClient): TestStores => {
  const config = { ...redis, cluster: cluster || redis.cluster };
  // The client for the server that is there: a standalone one runs the grouped scripts too.
  return openStores(config, new RedisConnection(config, client ?? createRedisClient(redis, {})));
};

// Where a crash hurts most: in the single-node path after some chunks were applied, in the
// Redis Cluster path after the user updates and before the cluster updates.
// On a real Redis Cluster (the suite's second pass) only the Redis Cluster path can run.
describe.each(
  [
    { mode: 'single node', cluster: false, crashAt: { script: applyEventsScript, call: 2 } },
    {
      mode: 'Redis Cluster',
      cluster: true,
      crashAt: { script: applyClusterDeltasScript, call: 1 },
    },
  ].filter(({ cluster }) => cluster || process.env.REDIS_CLUSTER !== 'true'),
)(`${UserEventStore.name} ($mode)`, ({ cluster, crashAt }) => {
  let redis: RedisConfig;
  let sut: TestStores;

  beforeEach(() => {
    redis = isolatedEnvironment().redis;
    sut = storesFor(redis, cluster);
  });

  afterEach(() => sut.close());

  const assign = async (userIds: Iterable<number>): Promise<Map<number, number>> => {
    const assignments = new Map<number, number>();
    for (const userId of userIds) {
      const c = clusterOf(userId);
      if (c !== undefined) assignments.set(userId, c);
    }
    expect(await publishModel(sut, { clusters: CLUSTERS.length, assignments })).toBe(VERSION);
    return assignments;
  };

  const apply = (events: readonly IngestEvent[]) => applyToActiveModels(sut, events);

  const expectStateMatches = async (
    events: readonly IngestEvent[],
    assignments: Map<number, number>,
  ) => {
    const expected = computeExpectedState(events, assignments);
    const actual = await readState(sut, VERSION, expected.users.keys(), CLUSTERS);
    expect(actual).toEqual(expected);
  };

  it('creates an unknown user from their first event', async () => {
    await apply([aRating({ userId: 77, movieId: 5, rating: 3.5 })]);

    expect(await sut.users.userIds()).toEqual([77]);
    expect((await sut.users.readUser(77)).ratings).toEqual(
      new Map([[5, { rating: 3.5, timestamp: 1_000 }]]),
    );
  });

  it('changes nothing when a batch is delivered twice', async () => {
    const assignments = await assign([1, 2, 3]);
    const events = [
      aRating({ userId: 1, movieId: 10, rating: 5 }),
      aRating({ userId: 2, movieId: 10, rating: 2 }),
      aFavourite({ userId: 3, movieId: 11 }),
    ];

    await apply(events);
    await apply(events);

    await expectStateMatches(events, assignments);
    const aggregates = await sut.aggregates.read(VERSION, 1);
    expect(aggregates.ratingCounts.get(10)).toBe(1);
    expect(aggregates.favourites.get(10)).toBe(1);
  });

  it('replaces a re-rating and moves every count and sum with it', async () => {
    const assignments = await assign([1]);
    await apply([aRating({ userId: 1, movieId: 10, rating: 5, timestamp: 100 })]);
    await apply([aRating({ userId: 1, movieId: 10, rating: 2, timestamp: 200 })]);

    const aggregates = await sut.aggregates.read(VERSION, assignments.get(1)!);
    expect(aggregates.ratingSums.get(10)).toBe(2);
    expect(aggregates.ratingCounts.get(10)).toBe(1);
    expect(aggregates.favourites.has(10)).toBe(false);
    // The all-users aggregate moved with it.
    const everyone = await sut.aggregates.readAllUsers();
    expect(everyone.ratingSums.get(10)).toBe(2);
    expect(everyone.favourites.has(10)).toBe(false);
  });

  it('keeps the newer rating when an older one arrives late', async () => {
    await assign([1]);
    await apply([aRating({ userId: 1, movieId: 10, rating: 2, timestamp: 200 })]);
    await apply([aRating({ userId: 1, movieId: 10, rating: 5, timestamp: 100 })]);

    expect((await sut.users.readUser(1)).ratings).toEqual(
      new Map([[10, { rating: 2, timestamp: 200 }]]),
    );
  });

  it('keeps timestamps exact up to the largest the events accept', async () => {
    await assign([1]);
    // 15 and 16 digits: Lua's default number format would round both to 14 significant digits.
    await apply([aRating({ userId: 1, movieId: 10, rating: 2, timestamp: MAX_TIMESTAMP - 1 })]);
    await apply([aRating({ userId: 1, movieId: 10, rating: 1, timestamp: MAX_TIMESTAMP })]);
    await apply([aRating({ userId: 1, movieId: 11, rating: 3, timestamp: 123_456_789_012_345 })]);
    await apply([aRating({ userId: 1, movieId: 10, rating: 5, timestamp: MAX_TIMESTAMP - 1 })]);

    expect((await sut.users.readUser(1)).ratings).toEqual(
      new Map([
        [10, { rating: 1, timestamp: MAX_TIMESTAMP }],
        [11, { rating: 3, timestamp: 123_456_789_012_345 }],
      ]),
    );
  });

  it('keeps user and movie ids exact up to 2^53 - 1', async () => {
    const big = Number.MAX_SAFE_INTEGER;
    const wrapped = 2 ** 32 + 50_000;
    await apply([
      aRating({ userId: big, movieId: big, rating: 4 }),
      aRating({ userId: wrapped, movieId: 7, rating: 3 }),
      aRating({ userId: 50_000, movieId: 8, rating: 2 }),
    ]);

    expect(await sut.users.userIds()).toEqual([50_000, wrapped, big]);
    expect([...(await sut.users.readUser(big)).ratings.keys()]).toEqual([big]);
    expect([...(await sut.users.readUser(wrapped)).ratings.keys()]).toEqual([7]);
    expect([...(await sut.users.readUser(50_000)).ratings.keys()]).toEqual([8]);
  });

  it('counts a favourite added twice once, and a favourite by rating and event once', async () => {
    const assignments = await assign([1]);
    const events = [
      aFavourite({ userId: 1, movieId: 10 }),
      aFavourite({ userId: 1, movieId: 10, timestamp: 2_000 }),
      aRating({ userId: 1, movieId: 11, rating: 4.5 }),
      aFavourite({ userId: 1, movieId: 11 }),
    ];

    await apply(events);

    const aggregates = await sut.aggregates.read(VERSION, assignments.get(1)!);
    expect(aggregates.favourites).toEqual(
      new Map([
        [10, 1],
        [11, 1],
      ]),
    );
  });

  it('counts favourites by the threshold of each model', async () => {
    const assignments = new Map([[1, 0]]);
    await publishModel(sut, { clusters: 1, assignments, settings: { favouriteMinRating: 3 } });

    await apply([aRating({ userId: 1, movieId: 10, rating: 3 })]);

    expect((await sut.aggregates.read(VERSION, 0)).favourites.get(10)).toBe(1);
    // The all-users aggregate counts by the default threshold, 4.
    expect((await sut.aggregates.readAllUsers()).favourites.has(10)).toBe(false);
  });

  it('keeps aggregates only for users who have a cluster, and names the others', async () => {
    await assign([1]);

    const result = await apply([
      aRating({ userId: 4, movieId: 10, rating: 5 }),
      aRating({ userId: 1, movieId: 11, rating: 3 }),
    ]);

    expect(result.unassigned).toEqual(new Map([[VERSION, [4]]]));
    for (const c of CLUSTERS) {
      expect((await sut.aggregates.read(VERSION, c)).ratingCounts.has(10)).toBe(false);
    }
  });

  it('refuses, writing nothing, events applied to models a newer one replaced', async () => {
    await apply(generateEvents(50, { seed: 5, users: 12, movies: 10 }));
    const stale = await sut.models.activeModels();
    const events = generateEvents(200, { seed: 5, users: 12, movies: 10 });
    const userIds = new Set(events.map((e) => e.userId));
    const assignments = new Map([...userIds].map((u) => [u, u % 3]));
    await publishModel(sut, { clusters: CLUSTERS.length, assignments });

    await expect(sut.users.applyEvents(events.slice(50), stale)).rejects.toThrow(StaleModelsError);
    await apply(events.slice(50));

    const expected = computeExpectedState(events, assignments);
    expect(await readState(sut, VERSION, expected.users.keys(), CLUSTERS)).toEqual(expected);
  });

  it('equals a from-scratch computation over a long mixed stream applied in batches', async () => {
    const events = generateEvents(600, { seed: 7, users: 25, movies: 15 });
    const assignments = await assign(new Set(events.map((e) => e.userId)));

    for (let i = 0; i < events.length; i += 50) {
      await apply(events.slice(i, i + 50));
    }

    await expectStateMatches(events, assignments);
  });

  it('repairs a batch that failed part-way when the batch is replayed', async () => {
    const crashing = failingOnce(createRedisClient(redis, {}), crashAt.script.sha, crashAt.call);
    const broken = storesFor(redis, cluster, crashing);
    try {
      const events = generateEvents(300, { seed: 3, users: 30, movies: 8 });
      const assignments = new Map<number, number>();
      for (const { userId } of events) {
        const c = clusterOf(userId);
        if (c !== undefined) assignments.set(userId, c);
      }
      await publishModel(sut, { clusters: CLUSTERS.length, assignments });

      await expect(applyToActiveModels(broken, events)).rejects.toThrow('injected failure');
      await apply(events);

      const expected = computeExpectedState(events, assignments);
      expect(await readState(sut, VERSION, expected.users.keys(), CLUSTERS)).toEqual(expected);
    } finally {
      await broken.close();
    }
  });

  it('writes nothing for a group whose user keys hold the wrong type, and says so', async () => {
    const assignments = await assign([1, 2]);
    const raw = rawRedis(redis);
    // Another program wrote a string where user 2's favourites belong.
    await raw.set(`${redis.keyPrefix}:{u:2}:favs`, 'not a hash');
    raw.disconnect();
    const events = [
      aRating({ userId: 1, movieId: 10, rating: 5 }),
      aRating({ userId: 2, movieId: 10, rating: 4 }),
    ];

    await expect(apply(events)).rejects.toThrow(/WRONGTYPE/);
    await apply(events.slice(0, 1));

    // User 1 counted once, user 2 not at all.
    await expectStateMatches(events.slice(0, 1), assignments);
  });

  describe('feedback', () => {
    it('stops counting a removed favourite and counts it again when added later, by timestamp', async () => {
      const assignments = await assign([1, 2]);
      const c = assignments.get(1)!;
      await apply([
        aFavourite({ userId: 1, movieId: 10, timestamp: 100 }),
        aFavourite({ userId: 1, movieId: 11, timestamp: 100 }),
        aRating({ userId: 1, movieId: 11, rating: 4.5, timestamp: 100 }),
      ]);

      await apply([
        aFeedback('favourite-removed', { userId: 1, movieId: 10, timestamp: 200 }),
        aFeedback('favourite-removed', { userId: 1, movieId: 11, timestamp: 200 }),
      ]);
      // Movie 11 stays a favourite: the user's 4.5 makes it one, whatever their explicit list.
      expect((await sut.aggregates.read(VERSION, c)).favourites).toEqual(new Map([[11, 1]]));
      expect((await sut.users.readUser(1)).explicitFavourites).toEqual(new Set());

      // An add older than the removal changes nothing; a later one counts again.
      await apply([aFavourite({ userId: 1, movieId: 10, timestamp: 150 })]);
      expect((await sut.aggregates.read(VERSION, c)).favourites.has(10)).toBe(false);
      await apply([aFavourite({ userId: 1, movieId: 10, timestamp: 300 })]);
      expect((await sut.aggregates.read(VERSION, c)).favourites.get(10)).toBe(1);
      expect((await sut.aggregates.readAllUsers()).favourites.get(10)).toBe(1);
    });

    it('hides disliked and watched movies without touching any aggregate', async () => {
      const assignments = await assign([1]);
      await apply([aRating({ userId: 1, movieId: 10, rating: 5 })]);
      const before = await sut.aggregates.read(VERSION, assignments.get(1)!);
      const { client, keys } = internalsOf(sut.connection);
      const version = async () => (await client.hget(keys.userMeta(1), 'v')) ?? '0';
      const v = await version();

      const feedback = [
        aFeedback('disliked', { userId: 1, movieId: 10, timestamp: 2_000 }),
        aFeedback('watched', { userId: 1, movieId: 12, timestamp: 2_000 }),
      ];
      await apply(feedback);

      expect((await sut.users.readUser(1)).hidden).toEqual(new Set([10, 12]));
      expect(await sut.aggregates.read(VERSION, assignments.get(1)!)).toEqual(before);
      // A change of the user's state, counted once; the same events again, or older ones, are none.
      expect(Number(await version())).toBe(Number(v) + 1);
      await apply(feedback);
      await apply([aFeedback('watched', { userId: 1, movieId: 10, timestamp: 1_500 })]);
      expect(Number(await version())).toBe(Number(v) + 1);
    });

    it('equals a from-scratch computation however a mixed stream is shuffled and replayed', async () => {
      const events = generateEvents(600, { seed: 21, users: 12, movies: 10, feedback: true });
      expect(new Set(events.map((e) => e.kind)).size).toBe(5);
      const assignments = await assign(new Set(events.map((e) => e.userId)));
      const reordered = shuffled(events, 4);

      for (let i = 0; i < reordered.length; i += 40) await apply(reordered.slice(i, i + 40));
      await apply(shuffled(events, 5));

      await expectStateMatches(events, assignments);
      const hidden = [...(await sut.users.readUser(events[0]!.userId)).hidden].sort(
        (a, b) => a - b,
      );
      const expected = computeExpectedState(events, assignments).users.get(events[0]!.userId);
      expect(hidden).toEqual([...expected!.hidden].sort((a, b) => a - b));
    });
  });

  describe('joining users a recluster read', () => {
    it('counts each event once, whether a user changed after the read or was placed meanwhile', async () => {
      const before = generateEvents(300, { seed: 12, users: 8, movies: 12 });
      await apply(before);
      const snapshot = await sut.ratings.read();
      const clustersOfRows = Int32Array.from(snapshot.userIds, (userId) => userId % 3);
      const outcome = await sut.schedule.claim('run', { kind: 'now' }, 30_000);
      if (!('claimed' in outcome)) throw new Error(outcome.skipped);
      const claim = outcome.claimed;
      const model = { version: claim.version, clusters: 3, favouriteMinRating: 4 };
      await sut.models.save({
        description: aModelDescription(claim.version, 3),
        centroids: new Float32Array(3),
        movieIds: Float64Array.of(1),
      });
      const favourites = favouritesPattern(snapshot.ratings, snapshot.favourites, 4);
      await sut.aggregates.write(
        claim.version,
        clusterTotals(snapshot.ratings, favourites, clustersOfRows, 3),
        snapshot.movieIds,
      );
      await sut.models.setNext(claim);
      // After the read: user 2 re-rates; user 4 rates anew and ingestion places them in
      // cluster 0 meanwhile (their cluster from the read is 1); user 9 is new.
      const after = [
        aRating({ userId: 2, movieId: 1, rating: 0.5, timestamp: 9_000 }),
        aRating({ userId: 4, movieId: 99, rating: 5, timestamp: 9_000 }),
        aRating({ userId: 9, movieId: 1, rating: 5, timestamp: 9_000 }),
      ];
      await apply(after);
      await sut.users.placeUsers(model, new Map([[4, 0]]), { provisional: true });

      const due = await sut.users.joinClusters(
        model,
        { userIds: snapshot.userIds, clusters: clustersOfRows, versions: snapshot.versions },
        [],
      );
      // Sent twice, as after a lost reply: the same answer, nothing joined twice.
      const again = await sut.users.joinClusters(
        model,
        { userIds: snapshot.userIds, clusters: clustersOfRows, versions: snapshot.versions },
        [],
      );
      const dueUsers = [...snapshot.userIds].filter((_, row) => due[row] === 1);
      expect(dueUsers).toEqual([2, 4]);
      expect([...again]).toEqual([...due]);
      const compensations = dueUsers.map((userId) => {
        const row = snapshot.userIds.indexOf(userId);
        return {
          userId,
          cluster: clustersOfRows[row]!,
          contribution: snapshotContribution(snapshot, favourites, row),
        };
      });
      await sut.users.compensate(model, compensations);
      await sut.users.compensate(model, compensations);
      await sut.users.placeUsers(model, new Map([[9, 2]]), { provisional: true });
      await sut.models.publish(claim, 10);

      const events = [...before, ...after];
      const stored = await stateAsStored(sut, claim.version, events, CLUSTERS);
      expect(stored.actual).toEqual(stored.expected);
      expect(stored.clusters).toEqual(
        new Map([...new Set(events.map((e) => e.userId))].map((u) => [u, u === 9 ? 2 : u % 3])),
      );
    });
  });

  describe('placing users', () => {
    const model = { version: VERSION, clusters: CLUSTERS.length, favouriteMinRating: 4 };

    it('moves a provisional user with their whole contribution, and reports them due as their ratings double', async () => {
      await assign([1]);
      const first = [aRating({ userId: 5, movieId: 10, rating: 5 })];
      const result = await apply(first);
      expect(result.unassigned.get(VERSION)).toEqual([5]);
      await sut.users.placeUsers(model, new Map([[5, 0]]), { provisional: true });

      // 1 rating when placed: due again at 2, then at 4.
      const second = [aRating({ userId: 5, movieId: 11, rating: 1 })];
      expect((await apply(second)).duePlacements.get(VERSION)).toEqual([5]);
      await sut.users.placeUsers(model, new Map([[5, 2]]), { provisional: true });
      const third = [aRating({ userId: 5, movieId: 12, rating: 3 })];
      expect((await apply(third)).duePlacements.get(VERSION)).toEqual([]);

      const events = [...first, ...second, ...third];
      const expected = computeExpectedState(events, new Map([[5, 2]]));
      expect(await readState(sut, VERSION, [5], CLUSTERS)).toEqual(expected);
      expect((await sut.users.readUser(5)).clusters.get(VERSION)).toEqual({
        cluster: 2,
        provisional: true,
      });
    });

    it("lets a recluster's assignment replace a provisional placement, and keeps its own", async () => {
      await assign([1]);
      const events = [
        aRating({ userId: 5, movieId: 10, rating: 5 }),
        aRating({ userId: 1, movieId: 10, rating: 2 }),
      ];
      await apply(events);
      await sut.users.placeUsers(model, new Map([[5, 0]]), { provisional: true });

      await sut.users.placeUsers(
        model,
        new Map([
          [5, 2],
          [1, 0],
        ]),
        { provisional: false },
      );

      // User 5 moved to 2 and is clustered now; user 1 kept the cluster the model gave.
      const expected = computeExpectedState(
        events,
        new Map([
          [5, 2],
          [1, clusterOf(1)!],
        ]),
      );
      expect(await readState(sut, VERSION, [1, 5], CLUSTERS)).toEqual(expected);
      expect((await sut.users.readUser(5)).clusters.get(VERSION)?.provisional).toBe(false);
    });
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
