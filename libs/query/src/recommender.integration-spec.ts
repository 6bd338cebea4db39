import { type RedisConfig } from '@app/config';
import { type IngestEvent } from '@app/events';
import { IngestBatchHandler } from '@app/ingest';
import {
  CommittingConsumer,
  consumerGroupLag,
  createKafka,
  DeadLetterPublisher,
  ensureTopics,
} from '@app/kafka';
import { Reclusterer } from '@app/recluster';
import { DEFAULT_SHRINKAGE } from '@app/recommend';
import { createRedisClient, type RedisClient, RedisConnection } from '@app/store';
import {
  aFavourite,
  applyToActiveModels,
  aRating,
  aReclusterSettings,
  deleteKeysOf,
  generateEvents,
  isolatedEnvironment,
  openStores,
  produce,
  publishModel,
  type TestStores,
  toWire,
  waitFor,
} from '@app/testing';
import { MovieCatalogue } from './movie-catalogue';
import { QuerySnapshotCache } from './query-snapshot.cache';
import { MovieNotFoundError, StoreUnavailableError } from './query.errors';
import { Recommender } from './recommender';

const MOVIES = 40;
const HEAVY_USER = 1;
const LIGHT_USER = 2;
const SECOND_HALF_USER = 4;
const UNKNOWN_USER = 99;

// Cluster 0: the heavy user, who rated the first 30 movies and favourited movie 35, and two
// users who rated everything; cluster 1: two users who rated the second half.
const events: IngestEvent[] = [
  ...Array.from({ length: 30 }, (_, i) =>
    aRating({ userId: HEAVY_USER, movieId: i + 1, rating: 3 }),
  ),
  aFavourite({ userId: HEAVY_USER, movieId: 35 }),
  ...[LIGHT_USER, 3].flatMap((userId) =>
    Array.from({ length: MOVIES }, (_, i) =>
      aRating({ userId, movieId: i + 1, rating: 1 + ((i * userId) % 9) / 2 }),
    ),
  ),
  ...[SECOND_HALF_USER, 5].flatMap((userId) =>
    Array.from({ length: MOVIES / 2 }, (_, i) =>
      aRating({ userId, movieId: MOVIES / 2 + i + 1, rating: 4 }),
    ),
  ),
];
const assignments = new Map([
  [HEAVY_USER, 0],
  [LIGHT_USER, 0],
  [3, 0],
  [SECOND_HALF_USER, 1],
  [5, 1],
]);

describe(Recommender.name, () => {
  let redis: RedisConfig;
  let stores: TestStores;
  let requests: TestStores;
  let client: RedisClient;
  let cache: QuerySnapshotCache;
  let sut: Recommender;

  beforeAll(async () => {
    redis = isolatedEnvironment().redis;
    stores = openStores(redis);
    // The request path's client, as the query service's: one command at a time, failing fast.
    client = createRedisClient(redis, { failFastMs: 5_000 });
    requests = openStores(redis, new RedisConnection(redis, client));
    await applyToActiveModels(stores, events);
    cache = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);
    await cache.refresh();
    sut = new Recommender(requests, cache, new MovieCatalogue());
  });

  afterAll(async () => {
    await deleteKeysOf(redis);
    await Promise.all([requests.close(), stores.close()]);
  });

  it('answers with popular movies before any model, as many as asked for', async () => {
    const answer = await sut.recommendations({
      userId: UNKNOWN_USER,
      limit: 10,
      rank: 'favourites',
    });

    expect(answer).toMatchObject({ basis: 'popularity', modelVersion: null, backfilled: 0 });
    expect(answer.items).toHaveLength(10);
    expect(answer.items.every((item) => item.source === 'popular')).toBe(true);
  });

  describe('with a model', () => {
    beforeAll(async () => {
      await publishModel(stores, { clusters: 2, assignments });
      await cache.refresh();
      // Loads the script into Redis, so the counts below are of requests as they run from then on.
      await sut.recommendations({ userId: LIGHT_USER, limit: 1, rank: 'rating' });
    });

    const commandsFor = async (userId: number, limit = 10) => {
      const sent = jest.spyOn(client, 'sendCommand');
      try {
        const answer = await sut.recommendations({ userId, limit, rank: 'rating' });
        return { answer, commands: sent.mock.calls.map(([command]) => command.name) };
      } finally {
        sent.mockRestore();
      }
    };

    it('reads a clustered user, however many movies they saw, in one command', async () => {
      const { answer, commands } = await commandsFor(HEAVY_USER);

      expect(commands).toEqual(['evalsha']);
      expect(answer).toMatchObject({ basis: 'cluster', cluster: 0, backfilled: 0 });
      // Cluster 0 rated all 40 movies; the heavy user saw 1-30 and 35: every unseen movie.
      expect(answer.items.map((item) => item.movieId).sort((a, b) => a - b)).toEqual([
        31, 32, 33, 34, 36, 37, 38, 39, 40,
      ]);
    });

    it('fills a list the cluster cannot fill from the popular one, never with a seen movie', async () => {
      // Cluster 1 knows only movies 21-40, all of which this user rated.
      const { answer } = await commandsFor(SECOND_HALF_USER);

      expect(answer).toMatchObject({ basis: 'cluster', cluster: 1, backfilled: 10 });
      expect(answer.items).toHaveLength(10);
      expect(answer.items.every((item) => item.source === 'popular')).toBe(true);
      expect(answer.items.every((item) => item.movieId <= 20)).toBe(true);
    });

    it('reads a user it does not know in one command, and answers with popular movies', async () => {
      const { answer, commands } = await commandsFor(UNKNOWN_USER);

      expect(commands).toEqual(['evalsha']);
      expect(answer.basis).toBe('popularity');
      expect(answer.items).toHaveLength(10);
    });

    it('honours the ranking asked for on every list', async () => {
      const byRating = await sut.recommendations({
        userId: UNKNOWN_USER,
        limit: 5,
        rank: 'rating',
      });
      const byFavourites = await sut.recommendations({
        userId: UNKNOWN_USER,
        limit: 5,
        rank: 'favourites',
      });

      expect(byRating.rank).toBe('rating');
      expect(byFavourites.rank).toBe('favourites');
      const scores = byFavourites.items.map((item) => item.clusterFavourites);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    });

    it('does not know a movie nobody rated that the catalogue does not list', async () => {
      await expect(sut.prediction({ userId: LIGHT_USER, movieId: 4_000 })).rejects.toThrow(
        MovieNotFoundError,
      );
      // Movie 10: rated by the three users of cluster 0.
      const known = await sut.prediction({ userId: LIGHT_USER, movieId: 10 });
      expect(known.source).toBe('cluster');
    });

    it('reports a fault of the data as a fault, not as Redis being unavailable', async () => {
      await client.set(`${redis.keyPrefix}:{u:77}:ratings`, 'not a hash');

      const answer = sut.recommendations({ userId: 77, limit: 5, rank: 'rating' });

      await expect(answer).rejects.toThrow(/WRONGTYPE/);
      await expect(answer).rejects.not.toThrow(StoreUnavailableError);
    });
  });
});

describe(`${Recommender.name} with ALS factors`, () => {
  const env = isolatedEnvironment();
  const USER = 1;
  let stores: TestStores;
  let cache: QuerySnapshotCache;
  let sut: Recommender;

  beforeAll(async () => {
    stores = openStores(env.redis);
    await applyToActiveModels(stores, generateEvents(1_500, { seed: 4, users: 40, movies: 30 }));
    cache = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);
    sut = new Recommender(stores, cache, new MovieCatalogue());
  });

  afterAll(async () => {
    await deleteKeysOf(env.redis);
    await stores.close();
  });

  /** A movie the user has not rated, to predict. */
  const unratedBy = async (userId: number): Promise<number> => {
    const { ratings } = await stores.users.readUser(userId);
    const movieId = Array.from({ length: 30 }, (_, i) => i + 1).find((m) => !ratings.has(m));
    if (movieId === undefined) throw new Error(`user ${userId} rated every movie`);
    return movieId;
  };

  it('ranks by rating when `predicted` is asked of a model without factors', async () => {
    await new Reclusterer(stores, aReclusterSettings({ seed: 3 })).run();
    await cache.refresh();

    const answer = await sut.recommendations({ userId: USER, limit: 5, rank: 'predicted' });
    const prediction = await sut.prediction({ userId: USER, movieId: await unratedBy(USER) });

    expect(answer.rank).toBe('rating');
    expect(prediction.source).not.toBe('als');
  });

  it('predicts from the factors, and moves with a rating ingested after the recluster', async () => {
    const als = { factors: 4, iterations: 6, regularization: 0.05, seed: 3 };
    const outcome = await new Reclusterer(stores, aReclusterSettings({ seed: 3, als })).run();
    if (outcome.status !== 'published') throw new Error('no model');
    await cache.refresh();
    const target = await unratedBy(USER);

    const before = await sut.prediction({ userId: USER, movieId: target });
    const ranked = await sut.recommendations({ userId: USER, limit: 10, rank: 'predicted' });

    expect(before).toMatchObject({ source: 'als', modelVersion: outcome.version });
    expect(ranked).toMatchObject({ rank: 'predicted', basis: 'cluster' });
    // The cluster's list by prediction; a backfill from the popular list is ranked on its own.
    const scores = ranked.items.filter((item) => item.source === 'cluster').map((i) => i.score);
    expect(scores.length).toBeGreaterThan(1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    // A rating through Kafka and the ingest service's own handler: the user hates the movie they
    // were predicted to like best, which moves their factors, and so their other predictions.
    const best = ranked.items[0]!.movieId;
    await ingest(env, stores, [
      aRating({ userId: USER, movieId: best, rating: 0.5, timestamp: 9_999 }),
    ]);

    const after = await sut.prediction({ userId: USER, movieId: target });
    const reranked = await sut.recommendations({ userId: USER, limit: 10, rank: 'predicted' });

    expect(after).toMatchObject({ source: 'als', modelVersion: outcome.version });
    expect(after.rating).not.toBeCloseTo(before.rating, 6);
    expect(reranked.items.map((item) => item.movieId)).not.toContain(best);
    expect(await stores.models.currentVersion()).toBe(outcome.version);
  });
});

/** Publishes events to Kafka and runs the ingest handler over them until the group has no lag. */
async function ingest(
  env: ReturnType<typeof isolatedEnvironment>,
  stores: TestStores,
  events: IngestEvent[],
): Promise<void> {
  const kafka = createKafka(env.kafka);
  const topics = Object.values(env.kafka.topics);
  await ensureTopics(kafka, topics, env.kafka.topicLayout);
  const deadLetters = new DeadLetterPublisher(kafka);
  const handler = new IngestBatchHandler(env.kafka.topics, stores, deadLetters);
  const consumer = new CommittingConsumer(
    kafka,
    { groupId: env.groupId, topics, retryInitialMs: 50, retryMaxMs: 200 },
    handler,
  );
  try {
    await consumer.start();
    await produce(
      kafka,
      env.kafka.topics.rating,
      events.map((event) => ({ key: String(event.userId), value: toWire(event) })),
    );
    await waitFor(
      async () =>
        handler.stats.applied >= events.length &&
        (await consumerGroupLag(kafka, env.groupId, topics)) === 0
          ? true
          : undefined,
      { what: 'ingestion to apply the events' },
    );
  } finally {
    await consumer.stop();
    await deadLetters.close();
  }
}
