import { type RatingColumns } from '@app/clustering';
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
import { DEFAULT_SHRINKAGE, ItemKnn } from '@app/recommend';
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

describe(`${Recommender.name} with item neighbourhoods`, () => {
  const env = isolatedEnvironment();
  const USER = 1;
  // Two tastes: users 10-19 love movies 1-3, users 20-29 love 4-6; everyone rates 7-8 low.
  const taste = (users: number, movies: readonly number[]) =>
    Array.from({ length: 10 }, (_, u) =>
      [...movies, 7, 8].map((movieId) =>
        aRating({ userId: users + u, movieId, rating: movieId > 6 ? 2 : 5 }),
      ),
    ).flat();
  const events = [
    ...taste(10, [1, 2, 3]),
    ...taste(20, [4, 5, 6]),
    aRating({ movieId: 1, rating: 5 }),
  ];
  let stores: TestStores;
  let cache: QuerySnapshotCache;
  let sut: Recommender;

  beforeAll(async () => {
    stores = openStores(env.redis);
    await applyToActiveModels(stores, events);
    cache = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);
    sut = new Recommender(stores, cache, new MovieCatalogue());
  });

  afterAll(async () => {
    await deleteKeysOf(env.redis);
    await stores.close();
  });

  it('ranks by favourites when `similar` is asked of a model without neighbourhoods', async () => {
    await new Reclusterer(stores, aReclusterSettings({ k: 2 })).run();
    await cache.refresh();

    const answer = await sut.recommendations({ userId: USER, limit: 3, rank: 'similar' });

    expect(answer.rank).toBe('favourites');
    expect(answer.items.map((item) => item.source)).not.toContain('similar');
  });

  it('serves the neighbourhoods the worker built, and follows the user’s favourites live', async () => {
    const itemKnn = { neighbours: 3 };
    const outcome = await new Reclusterer(stores, aReclusterSettings({ k: 2, itemKnn })).run();
    if (outcome.status !== 'published') throw new Error('no model');
    await cache.refresh();

    // What the service serves is what the library builds from the same ratings.
    const oracle = ItemKnn.fromRatings(ratingColumnsOf(events), 4, itemKnn);
    const served = cache.current?.model?.similar;
    for (const movieId of [1, 2, 4, 7]) {
      expect(served?.neighboursOf(movieId)).toEqual(oracle.neighboursOf(movieId));
    }
    expect(outcome.model.itemKnn).toMatchObject({ settings: itemKnn, movies: 8 });

    const answer = await sut.recommendations({ userId: USER, limit: 4, rank: 'similar' });

    expect(answer).toMatchObject({
      rank: 'similar',
      basis: 'cluster',
      modelVersion: outcome.version,
    });
    // Movie 1's fans love 2 and 3 as much; 7 and 8 they rated low, so no favourite leads there.
    expect(answer.items.slice(0, 2).map((item) => [item.movieId, item.source])).toEqual([
      [2, 'similar'],
      [3, 'similar'],
    ]);
    // Movie 2's ten fans are movie 1's eleven but the user: 10 / sqrt(11 * 10).
    expect(answer.items[0]?.score).toBeCloseTo(10 / Math.sqrt(110), 9);
    expect(answer.items.slice(2).every((item) => item.source !== 'similar')).toBe(true);
    expect(answer.items.map((item) => item.movieId)).not.toContain(1);

    // A favourite ingested after the recluster: the other taste's movies join the list at once,
    // first, as movie 4's fans (the model had not seen the user among them) are exactly 5's.
    await applyToActiveModels(stores, [
      aRating({ userId: USER, movieId: 4, rating: 5, timestamp: 2_000 }),
    ]);
    const after = await sut.recommendations({ userId: USER, limit: 4, rank: 'similar' });

    expect(
      after.items.filter((item) => item.source === 'similar').map((item) => item.movieId),
    ).toEqual([5, 6, 2, 3]);
    expect(after.items.map((item) => item.movieId)).not.toContain(4);
  });
});

/** Rating events as the columns the library's model builders read. */
function ratingColumnsOf(events: readonly IngestEvent[]): RatingColumns {
  const ratings = events.filter((event) => event.kind === 'rating');
  return {
    userIds: Int32Array.from(ratings, (event) => event.userId),
    movieIds: Int32Array.from(ratings, (event) => event.movieId),
    ratings: Float32Array.from(ratings, (event) => event.rating),
  };
}
