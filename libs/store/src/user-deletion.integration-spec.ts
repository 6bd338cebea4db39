import { favouritesPattern } from '@app/clustering';
import { type RedisConfig } from '@app/config';
import { type IngestEvent } from '@app/events';
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
  keysOf,
  openStores,
  publishModel,
  readState,
  type TestStores,
} from '@app/testing';
import { createRedisClient, internalsOf, RedisConnection } from './redis-connection';
import { snapshotContribution } from './snapshot-contribution';
import { UserDeletion } from './user-deletion';

const VERSION = 1;
const CLUSTERS = [0, 1, 2];
/** Seconds, after every generated event (1_000..1_499). */
const DELETED_AT = 5_000;

const storesFor = (redis: RedisConfig, cluster: boolean): TestStores => {
  const config = { ...redis, cluster: cluster || redis.cluster };
  return openStores(config, new RedisConnection(config, createRedisClient(redis, {})));
};

/** Every key under the stores' prefix with its whole content, to compare two moments exactly. */
async function dump(stores: TestStores, redis: RedisConfig): Promise<Map<string, unknown>> {
  const { client } = internalsOf(stores.connection);
  const contents = new Map<string, unknown>();
  for (const key of (await keysOf(redis, '*')).sort()) {
    const type = await client.type(key);
    if (type === 'hash') contents.set(key, await client.hgetall(key));
    else if (type === 'zset')
      contents.set(key, await client.zrangebyscore(key, '-inf', '+inf', 'WITHSCORES'));
    else if (type === 'set') contents.set(key, (await client.smembers(key)).sort());
    else if (type === 'list') contents.set(key, await client.lrange(key, 0, -1));
    else if (type === 'stream') contents.set(key, await client.xrange(key, '-', '+'));
    else contents.set(key, await client.get(key));
  }
  return contents;
}

describe.each(
  [
    { mode: 'single node', cluster: false },
    { mode: 'Redis Cluster', cluster: true },
  ].filter(({ cluster }) => cluster || process.env.REDIS_CLUSTER !== 'true'),
)(`${UserDeletion.name} ($mode)`, ({ cluster }) => {
  let redis: RedisConfig;
  let stores: TestStores;
  let sut: UserDeletion;

  beforeEach(() => {
    redis = isolatedEnvironment().redis;
    stores = storesFor(redis, cluster);
    sut = new UserDeletion(stores.connection);
  });

  afterEach(() => stores.close());

  const apply = (events: readonly IngestEvent[]) => applyToActiveModels(stores, events);

  const expectOracle = async (
    events: readonly IngestEvent[],
    assignments: ReadonlyMap<number, number>,
    deletedAt: ReadonlyMap<number, number>,
    version = VERSION,
  ) => {
    const expected = computeExpectedState(events, assignments, undefined, deletedAt);
    const userIds = new Set(events.map((e) => e.userId));
    const actual = await readState(stores, version, userIds, CLUSTERS);
    // Deleted users read back empty; the oracle does not know them at all.
    for (const [userId, user] of actual.users) {
      const empty = user.ratings.size + user.favourites.size + user.hidden.size === 0;
      if (empty && !expected.users.has(userId)) actual.users.delete(userId);
    }
    expect(actual).toEqual(expected);
  };

  it('takes the user out of every aggregate, keeps a tombstone, and a second call changes nothing', async () => {
    const events = generateEvents(500, { seed: 31, users: 9, movies: 12, feedback: true });
    const userIds = [...new Set(events.map((e) => e.userId))];
    const assignments = new Map(userIds.map((u) => [u, u % 3]));
    await apply(events.slice(0, 250));
    await publishModel(stores, { clusters: CLUSTERS.length, assignments });
    await apply(events.slice(250));
    await stores.profiles.save(3, { age: 30, gender: 'F', occupation: 'writer', zipPrefix: '123' });
    await stores.profiles.save(4, { age: 40, gender: 'M', occupation: 'doctor', zipPrefix: '456' });

    expect(await sut.deleteUser(3, DELETED_AT)).toBe(true);

    await expectOracle(events, assignments, new Map([[3, DELETED_AT]]));
    expect(await stores.users.userIds()).not.toContain(3);
    expect([...(await stores.profiles.readAll()).keys()]).toEqual([4]);
    const user = await stores.users.readUser(3);
    expect(user).toEqual({
      clusters: new Map(),
      ratings: new Map(),
      explicitFavourites: new Set(),
      profile: undefined,
      hidden: new Set(),
    });
    // Of the user's keys only the meta hash stays: the tombstone.
    expect(await keysOf(redis, '{u:3}:*')).toEqual([`${redis.keyPrefix}:{u:3}:meta`]);

    const before = await dump(stores, redis);
    expect(await sut.deleteUser(3, DELETED_AT)).toBe(false);
    expect(await dump(stores, redis)).toEqual(before);
  });

  it('leaves the other users of the cluster exactly as they were (hand-computed)', async () => {
    await publishModel(stores, {
      clusters: 1,
      assignments: new Map([
        [1, 0],
        [2, 0],
      ]),
    });
    await apply([
      aRating({ userId: 1, movieId: 10, rating: 4.5 }),
      aRating({ userId: 2, movieId: 10, rating: 1 }),
      aFavourite({ userId: 1, movieId: 11 }),
      aFavourite({ userId: 2, movieId: 11 }),
    ]);

    await sut.deleteUser(1, DELETED_AT);

    const aggregates = await stores.aggregates.read(VERSION, 0);
    expect(aggregates.ratingSums).toEqual(new Map([[10, 1]]));
    expect(aggregates.ratingCounts).toEqual(new Map([[10, 1]]));
    expect(aggregates.favourites).toEqual(new Map([[11, 1]]));
    expect((await stores.aggregates.readAllUsers()).favourites).toEqual(new Map([[11, 1]]));
  });

  it('ignores replayed old events, and creates the user afresh from a later one', async () => {
    const events = generateEvents(300, { seed: 32, users: 6, movies: 10, feedback: true });
    const assignments = new Map([...new Set(events.map((e) => e.userId))].map((u) => [u, u % 3]));
    await publishModel(stores, { clusters: CLUSTERS.length, assignments });
    await apply(events);
    await sut.deleteUser(2, DELETED_AT);
    const before = await dump(stores, redis);

    const result = await apply(events);
    await apply(events.filter((e) => e.userId === 2));

    expect(await dump(stores, redis)).toEqual(before);
    expect(result.unassigned.get(VERSION)).toEqual([]);

    const later = [
      aRating({ userId: 2, movieId: 10, rating: 5, timestamp: DELETED_AT + 1 }),
      aFeedback('disliked', { userId: 2, movieId: 11, timestamp: DELETED_AT + 1 }),
      // Sent on the second of the deletion: it went with it.
      aRating({ userId: 2, movieId: 12, rating: 5, timestamp: DELETED_AT }),
    ];
    const back = await apply(later);

    // Back as a new user: with no cluster until placed, in the all-users aggregate at once.
    expect(back.unassigned.get(VERSION)).toEqual([2]);
    expect(await stores.users.userIds()).toContain(2);
    const user = await stores.users.readUser(2);
    expect(user.ratings).toEqual(new Map([[10, { rating: 5, timestamp: DELETED_AT + 1 }]]));
    expect(user.hidden).toEqual(new Set([11]));
    const rest = new Map([...assignments].filter(([u]) => u !== 2));
    await expectOracle([...events, ...later], rest, new Map([[2, DELETED_AT]]));
  });

  it('keeps out, when replayed, an event stamped later than the deletion (a clock ahead)', async () => {
    const ahead = [
      aRating({ userId: 4, movieId: 3, rating: 4, timestamp: 1_000 }),
      aFavourite({ userId: 4, movieId: 5, timestamp: DELETED_AT + 60 }),
      aFeedback('watched', { userId: 4, movieId: 6, timestamp: DELETED_AT + 30 }),
    ];
    await publishModel(stores, { clusters: CLUSTERS.length, assignments: new Map([[4, 1]]) });
    await apply(ahead);
    await sut.deleteUser(4, DELETED_AT);
    const before = await dump(stores, redis);

    await apply(ahead);

    expect(await dump(stores, redis)).toEqual(before);
    expect((await stores.users.readUser(4)).ratings.size).toBe(0);
    await apply([aRating({ userId: 4, movieId: 7, rating: 3, timestamp: DELETED_AT + 61 })]);
    expect([...(await stores.users.readUser(4)).ratings.keys()]).toEqual([7]);
  });

  it('does not let a recluster in progress bring the deleted user back', async () => {
    const events = generateEvents(300, { seed: 33, users: 8, movies: 12 });
    await apply(events);
    const snapshot = await stores.ratings.read();
    const clustersOfRows = Int32Array.from(snapshot.userIds, (userId) => userId % 3);
    const outcome = await stores.schedule.claim('run', { kind: 'now' }, 30_000);
    if (!('claimed' in outcome)) throw new Error(outcome.skipped);
    const claim = outcome.claimed;
    const model = { version: claim.version, clusters: 3, favouriteMinRating: 4 };
    await stores.models.save({
      description: aModelDescription(claim.version, 3),
      centroids: new Float32Array(3),
      movieIds: Float64Array.of(1),
    });
    const favourites = favouritesPattern(snapshot.ratings, snapshot.favourites, 4);
    await stores.aggregates.write(
      claim.version,
      clusterTotals(snapshot.ratings, favourites, clustersOfRows, 3),
      snapshot.movieIds,
    );
    await stores.models.setNext(claim);

    // Deleted after the recluster read them and wrote aggregates that count them.
    await sut.deleteUser(5, DELETED_AT);
    const users = {
      userIds: snapshot.userIds,
      clusters: clustersOfRows,
      versions: snapshot.versions,
    };
    const due = await stores.users.joinClusters(model, users, []);
    expect([...snapshot.userIds].filter((_, row) => due[row] === 1)).toEqual([5]);
    const row = snapshot.userIds.indexOf(5);
    await stores.users.compensate(model, [
      {
        userId: 5,
        cluster: clustersOfRows[row]!,
        contribution: snapshotContribution(snapshot, favourites, row),
      },
    ]);
    await stores.models.publish(claim, 10);

    expect((await stores.users.readUser(5)).clusters).toEqual(new Map());
    const assignments = new Map(
      [...snapshot.userIds].filter((u) => u !== 5).map((u) => [u, u % 3] as const),
    );
    await expectOracle(events, assignments, new Map([[5, DELETED_AT]]), claim.version);
  });
});
