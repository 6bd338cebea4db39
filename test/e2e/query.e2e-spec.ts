import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Kafka } from 'kafkajs';
import { z } from 'zod';
import { freePort, ServiceProcess } from '@app/cli';
import { type IngestEvent } from '@app/events';
import { consumerGroupLag, createKafka } from '@app/kafka';
import {
  clustersResponseSchema,
  predictionResponseSchema,
  QueryClient,
  QueryClientModule,
  recommendationsResponseSchema,
  type RecommendationsResponse,
} from '@app/query-client';
import { ClusterRanking } from '@app/recommend';
import {
  computeExpectedState,
  openStores,
  type TestStores,
  type ExpectedState,
  generateEvents,
  isolatedEnvironment,
  runBuilt,
  serviceEnvironment,
  produce,
  redisOutage,
  toWire,
  waitFor,
} from '@app/testing';

const USERS = 40;
const MOVIES = 30;
const SHRINKAGE = { priorWeight: 5, clusterPriorWeight: 25, minSupport: 3 };
/** The services' admin token, sent by the test's profile writes and recluster call. */
const ADMIN_TOKEN = 'query-e2e-admin-token-0123456789';
const AS_ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface Stack {
  env: ReturnType<typeof isolatedEnvironment>;
  common: Record<string, string>;
  kafka: Kafka;
  stores: TestStores;
  services: ServiceProcess[];
  /** A user's answer before the first model was published. */
  beforeAnyModel: RecommendationsResponse;
  queryUrl: string;
  rpcPort: number;
}

async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

/** An answer whose body must match the documented schema (errors: `{ message, errors? }`). */
async function getAs<S extends z.ZodType>(schema: S, url: string, init?: RequestInit) {
  const { status, body } = await getJson(url, init);
  return { status, body: (status < 400 ? schema : errorSchema).parse(body) as z.output<S> };
}

const errorSchema = z.object({
  message: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** The error shape with nothing else beside it. */
const strictErrorSchema = errorSchema.strict();

async function startQuery(common: Record<string, string>, redisUrl?: string) {
  const [port, rpcPort] = [await freePort(), await freePort()];
  const service = ServiceProcess.start('query', {
    ...common,
    ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
    QUERY_PORT: String(port),
    QUERY_RPC_PORT: String(rpcPort),
    QUERY_RPC_HOST: '127.0.0.1',
    QUERY_REFRESH_MS: '200',
    QUERY_CATALOGUE_REFRESH_MS: '200',
    ADMIN_TOKEN,
    QUERY_PRIOR_WEIGHT: String(SHRINKAGE.priorWeight),
    QUERY_CLUSTER_PRIOR_WEIGHT: String(SHRINKAGE.clusterPriorWeight),
    QUERY_MIN_SUPPORT: String(SHRINKAGE.minSupport),
  });
  await service.waitForLog(/HTTP on port/);
  return { service, url: `http://127.0.0.1:${port}`, rpcPort };
}

/** Ingest, recluster and query running as processes over a real broker and Redis. */
async function startStack(events: IngestEvent[], profiles: Map<number, object>): Promise<Stack> {
  const env = isolatedEnvironment();
  const common = serviceEnvironment(env);
  const kafka = createKafka(env.kafka);
  const services: ServiceProcess[] = [];
  const ingest = ServiceProcess.start('ingest', common);
  services.push(ingest);
  const query = await startQuery(common);
  services.push(query.service);
  await ingest.waitForLog(/consuming/);
  // Titles and genres: the bundled catalogue, loaded as an operator loads it.
  const loaded = await runBuilt(
    'apps/loader/src/main.js',
    ['data/ml-latest-small/movies.csv'],
    common,
  );
  expect(loaded.code).toBe(0);
  await waitFor(
    async () => {
      const { body } = await getJson(`${query.url}/v1/users/1/predictions/1`);
      return (body as { title?: unknown }).title === 'Toy Story (1995)' ? true : undefined;
    },
    { what: 'the catalogue in the query service' },
  );

  for (const [userId, profile] of profiles) {
    const { status } = await getJson(`${query.url}/v1/users/${userId}/profile`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...AS_ADMIN },
      body: JSON.stringify(profile),
    });
    expect(status).toBe(200);
  }
  for (const kind of ['rating', 'favourite'] as const) {
    await produce(
      kafka,
      env.kafka.topics[kind],
      events
        .filter((e) => e.kind === kind)
        .map((e) => ({ key: String(e.userId), value: toWire(e) })),
    );
  }
  const topics = Object.values(env.kafka.topics);
  await waitFor(
    async () => ((await consumerGroupLag(kafka, env.groupId, topics)) === 0 ? true : undefined),
    { what: 'ingestion to catch up' },
  );

  // No model yet: the query service answers from every user's ratings, once it re-read them.
  const beforeAnyModel = await waitFor(
    async () => {
      const answer = recommendationsResponseSchema.parse(
        (await getJson(`${query.url}/v1/users/1/recommendations?limit=5`)).body,
      );
      return answer.items.length > 0 ? answer : undefined;
    },
    { what: 'popular movies before the first model' },
  );

  const reclusterPort = await freePort();
  const recluster = ServiceProcess.start('recluster', {
    ...common,
    RECLUSTER_PORT: String(reclusterPort),
    ADMIN_TOKEN,
    RECLUSTER_K: '3',
    RECLUSTER_MIN_CLUSTER_SIZE: '3',
    RECLUSTER_DEMOGRAPHIC_K: '2',
    RECLUSTER_INTERVAL_MS: '3600000',
  });
  services.push(recluster);
  await recluster.waitForLog(/listening on port/);
  const outcome = await getAs(
    z.object({ status: z.string(), version: z.number() }),
    `http://127.0.0.1:${reclusterPort}/v1/recluster`,
    { method: 'POST', headers: AS_ADMIN },
  );
  expect(outcome.body.status).toBe('published');
  await waitFor(
    async () => {
      const { body } = await getAs(clustersResponseSchema, `${query.url}/v1/clusters`);
      return body.modelVersion === outcome.body.version ? true : undefined;
    },
    { what: 'the query service to serve the new model' },
  );
  return {
    env,
    common,
    kafka,
    stores: openStores(env.redis),
    beforeAnyModel,
    services,
    queryUrl: query.url,
    rpcPort: query.rpcPort,
  };
}

describe('query service', () => {
  const events = generateEvents(3_000, { seed: 21, users: USERS, movies: MOVIES });
  const profiles = new Map<number, object>(
    Array.from({ length: USERS }, (_, i) => [
      i + 1,
      {
        age: i % 2 === 0 ? 20 + (i % 5) : 60 + (i % 7),
        gender: i % 3 === 0 ? 'F' : 'M',
        occupation: i % 2 === 0 ? 'student' : 'retired',
        zipPrefix: String(i % 10),
      },
    ]),
  );
  let stack: Stack;
  let expected: ExpectedState;
  let clusterOf: Map<number, number>;
  let version: number;

  beforeAll(async () => {
    stack = await startStack(events, profiles);
    version = (await stack.stores.models.currentVersion())!;
    const userIds = [...new Set(events.map((e) => e.userId))];
    clusterOf = await stack.stores.users.clustersOf(userIds, version);
    expected = computeExpectedState(events, clusterOf);
  });

  afterAll(async () => {
    for (const service of stack.services) expect([0, 'SIGTERM']).toContain(await service.stop());
    await stack.stores.close();
  });

  const recommendations = (userId: number | string, query = '') =>
    getAs(
      recommendationsResponseSchema,
      `${stack.queryUrl}/v1/users/${userId}/recommendations${query}`,
    );

  it('recommends the top movies of the user cluster that the user has not seen, in order', async () => {
    for (let userId = 1; userId <= USERS; userId += 3) {
      const { status, body } = await recommendations(userId, '?limit=5');
      const user = expected.users.get(userId)!;
      const seen = new Set([...user.ratings.keys(), ...user.favourites]);
      const cluster = expected.clusters.get(clusterOf.get(userId)!)!;
      const unseenFavourites = [...cluster.favourites]
        .filter(([movie]) => !seen.has(movie))
        .map(([, count]) => count)
        .sort((a, b) => b - a);

      expect(status).toBe(200);
      expect(body).toMatchObject({ basis: 'cluster', cluster: clusterOf.get(userId) });
      expect(body.modelVersion).toBe(version);
      // Five, or every movie the user has not seen.
      expect(body.items).toHaveLength(Math.min(5, MOVIES - seen.size));
      const favoured = Math.min(5, unseenFavourites.length);
      expect(body.items.slice(0, favoured).map((item) => item.score)).toEqual(
        unseenFavourites.slice(0, favoured),
      );
      for (const item of body.items) {
        expect(seen.has(item.movieId)).toBe(false);
        expect(item.clusterFavourites).toBe(
          item.source === 'cluster'
            ? (cluster.favourites.get(item.movieId) ?? 0)
            : item.clusterFavourites,
        );
        expect(item.title).toEqual(expect.any(String));
      }
    }
  });

  it('answered with popular movies before the first model, as many as asked for', () => {
    expect(stack.beforeAnyModel).toMatchObject({ basis: 'popularity', modelVersion: null });
    expect(stack.beforeAnyModel.items).toHaveLength(5);
    const seen = expected.users.get(1)!;
    for (const item of stack.beforeAnyModel.items) {
      expect(seen.ratings.has(item.movieId) || seen.favourites.has(item.movieId)).toBe(false);
    }
  });

  it('orders by the shrunk cluster mean when asked to rank by rating', async () => {
    const { body } = await recommendations(2, '?limit=50&rank=rating');
    const scores = body.items.map((item) => item.score);

    expect(body.rank).toBe('rating');
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const ranking = new ClusterRanking([...expected.clusters.values()], SHRINKAGE);
    for (const item of body.items) {
      expect(item.clusterMeanRating).toBeCloseTo(
        expected.clusters.get(body.cluster!)!.ratingSums.get(item.movieId)! / item.support,
      );
      expect(item.score).toBeGreaterThan(0.5);
      expect(ranking.movies.supportOf(item.movieId)).toBeGreaterThanOrEqual(item.support);
    }
  });

  it('answers a new user with a profile from their demographic cluster', async () => {
    await getJson(`${stack.queryUrl}/v1/users/9001/profile`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...AS_ADMIN },
      body: JSON.stringify({ age: 21, gender: 'F', occupation: 'student', zipPrefix: '0' }),
    });

    const { status, body } = await recommendations(9001);

    expect(status).toBe(200);
    expect(body.basis).toBe('demographics');
    // The demographic group's favourites, filled from the popular list when they run short.
    expect(body.items).toHaveLength(10);
  });

  it('answers an unknown user with no profile from popularity, never a 500', async () => {
    const { status, body } = await recommendations(9002, '?limit=3');

    expect(status).toBe(200);
    expect(body).toMatchObject({ basis: 'popularity', cluster: null });
    expect(body.items).toHaveLength(3);
    const scores = body.items.map((item) => item.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('predicts a rating from the cluster mean, with the fallback it used', async () => {
    const ranking = new ClusterRanking(
      Array.from({ length: Math.max(...clusterOf.values()) + 1 }, (_, c) => ({
        favourites: new Map(),
        ratingSums: new Map(),
        ratingCounts: new Map(),
        ...expected.clusters.get(c),
      })),
      SHRINKAGE,
    );
    // 999: in the catalogue, rated by nobody.
    for (const movieId of [1, 7, 29, 999]) {
      const { status, body } = await getAs(
        predictionResponseSchema,
        `${stack.queryUrl}/v1/users/3/predictions/${movieId}`,
      );
      const ratings = new Map(
        [...expected.users.get(3)!.ratings].map(([movie, { rating }]) => [movie, rating]),
      );
      const oracle = ranking.predict(clusterOf.get(3), ratings, movieId);

      expect(status).toBe(200);
      expect(body.source).toBe(oracle.source);
      expect(body.rating).toBeCloseTo(oracle.rating, 6);
    }
  });

  it.each([
    ['abc/recommendations', 'userId', 'expected an integer from 1 to 9007199254740991'],
    ['0/recommendations', 'userId', 'expected an integer from 1 to 9007199254740991'],
    ['1/recommendations?limit=0', 'limit', 'expected an integer from 1 to 100'],
    ['1/recommendations?limit=101', 'limit', 'expected an integer from 1 to 100'],
    ['1/recommendations?limit=-1', 'limit', 'expected an integer from 1 to 100'],
    ['1/recommendations?limit=99999', 'limit', 'expected an integer from 1 to 100'],
    ['1/recommendations?limit=2.5', 'limit', 'expected an integer from 1 to 100'],
    ['1/recommendations?limit=2&limit=3', 'limit', 'given more than once: expected one value'],
    ['1/recommendations?rank=newest', 'rank', expect.stringMatching(/^Invalid option/) as unknown],
    ['1/predictions/x', 'movieId', 'expected an integer from 1 to 9007199254740991'],
  ])('answers GET /v1/users/%s with a 400 naming %s', async (path, field, message) => {
    const { status, body } = await getAs(errorSchema, `${stack.queryUrl}/v1/users/${path}`);

    expect(status).toBe(400);
    expect(body).toEqual({ message: 'invalid request', errors: [{ field, message }] });
  });

  it('answers a method a path does not take with 405, naming the ones it does', async () => {
    for (const [method, path, allow] of [
      ['POST', '/v1/users/1/recommendations', 'GET, HEAD'],
      ['DELETE', '/v1/clusters', 'GET, HEAD'],
      ['GET', '/v1/users/1/profile', 'PUT'],
    ] as const) {
      const response = await fetch(`${stack.queryUrl}${path}`, { method });

      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(strictErrorSchema.parse(await response.json()).message).toBe(
        `${method} is not allowed here: this path answers ${allow}`,
      );
    }
  });

  it('answers an unknown path with 404, and an overlong one with 414, never echoing it', async () => {
    const unknown = await fetch(`${stack.queryUrl}/v1/movies`);
    expect(unknown.status).toBe(404);
    expect(strictErrorSchema.parse(await unknown.json())).toEqual({
      message: 'no route for GET at this path',
    });

    const long = 'a'.repeat(10_000);
    for (const path of [`/${long}`, `/v1/users/${long}/recommendations`]) {
      const response = await fetch(`${stack.queryUrl}${path}`);
      const text = await response.text();

      expect(response.status).toBe(414);
      expect(strictErrorSchema.parse(JSON.parse(text))).toEqual({
        message: 'path too long: a segment of 10000 characters, at most 100',
      });
      expect(text).not.toContain('aaaa');
    }
  });

  it('documents the bounds of the parameters it enforces', async () => {
    const { body } = await getJson(`${stack.queryUrl}/v1/openapi.json`);
    const { parameters } = z
      .object({
        paths: z.object({
          '/v1/users/{userId}/recommendations': z.object({
            get: z.object({
              parameters: z.array(z.object({ name: z.string(), schema: z.unknown() })),
            }),
          }),
        }),
      })
      .parse(body).paths['/v1/users/{userId}/recommendations'].get;
    const schemaOf = (name: string) => parameters.find((p) => p.name === name)?.schema;

    expect(schemaOf('limit')).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 10 });
    expect(schemaOf('userId')).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
    });
    expect((await recommendations(1, '?limit=100')).status).toBe(200);
    expect((await getJson(`${stack.queryUrl}/v1/users/1/recommendations?limit=101`)).status).toBe(
      400,
    );
  });

  it('answers 404 for a cluster the model does not have, and a bad profile with 400', async () => {
    expect((await getJson(`${stack.queryUrl}/v1/clusters/99`)).status).toBe(404);
    // Nobody rated it and the catalogue does not list it.
    expect((await getJson(`${stack.queryUrl}/v1/users/1/predictions/987654321`)).status).toBe(404);
    const { status, body } = await getAs(errorSchema, `${stack.queryUrl}/v1/users/5/profile`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...AS_ADMIN },
      body: JSON.stringify({ age: 300, gender: 'F', occupation: 'writer', zipPrefix: '1' }),
    });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.field)).toEqual(['profile.age']);
  });

  it('describes each cluster: size, top movies and genre profile', async () => {
    const { body } = await getAs(clustersResponseSchema, `${stack.queryUrl}/v1/clusters`);

    expect(body.clusters.map((c) => c.id)).toEqual([...new Set(clusterOf.values())].sort());
    expect(body.clusters.reduce((a, c) => a + c.size, 0)).toBe(clusterOf.size);
    for (const cluster of body.clusters) expect(cluster.genres.length).toBeGreaterThan(0);
  });

  it('gives the same answers over RPC, through the typed client, as over HTTP', async () => {
    await withQueryClient(stack.rpcPort, async (client) => {
      expect(await client.recommendations({ userId: 4, limit: 7, rank: 'rating' })).toEqual(
        (await recommendations(4, '?limit=7&rank=rating')).body,
      );
      expect(await client.prediction({ userId: 4, movieId: 5 })).toEqual(
        (await getJson(`${stack.queryUrl}/v1/users/4/predictions/5`)).body,
      );
      expect(await client.clusters()).toEqual(
        (await getJson(`${stack.queryUrl}/v1/clusters`)).body,
      );
      await expect(client.recommendations({ userId: 4, limit: 500 })).rejects.toMatchObject({
        status: 400,
        errors: [expect.objectContaining({ field: 'limit' }) as unknown],
      });
      await expect(client.cluster({ id: 77 })).rejects.toMatchObject({ status: 404 });
    });
  });

  it('answers a caller mistake over RPC with a 400 naming the field, as over HTTP', async () => {
    await withQueryClient(stack.rpcPort, async (client) => {
      // What a caller without the types can send.
      const untyped = client as unknown as Record<
        'recommendations' | 'prediction',
        (request: unknown) => Promise<unknown>
      >;
      for (const payload of [null, undefined, 42, 'user 1']) {
        await expect(untyped.recommendations(payload)).rejects.toMatchObject({
          status: 400,
          message: 'invalid request',
          errors: [{ field: '(request)', message: 'expected an object' }],
        });
      }
      await expect(untyped.recommendations({})).rejects.toMatchObject({
        status: 400,
        errors: [{ field: 'userId', message: 'required' }],
      });
      await expect(untyped.prediction({ userId: 1 })).rejects.toMatchObject({
        status: 400,
        errors: [{ field: 'movieId', message: 'required' }],
      });
      for (const [limit, query] of [
        [-1, '?limit=-1'],
        [99_999, '?limit=99999'],
        [2.5, '?limit=2.5'],
      ] as const) {
        const overHttp = await getAs(
          errorSchema,
          `${stack.queryUrl}/v1/users/1/recommendations${query}`,
        );
        await expect(client.recommendations({ userId: 1, limit })).rejects.toMatchObject({
          status: overHttp.status,
          message: overHttp.body.message,
          errors: overHttp.body.errors,
        });
      }
    });
  });

  it('answers 503 quickly while Redis is unreachable', async () => {
    const outage = await redisOutage(stack.env.redis);
    const query = await startQuery(stack.common, outage.config.url);
    try {
      expect((await recommendationsAt(query.url, 1)).status).toBe(200);

      await outage.begin();
      const started = performance.now();
      const { status, body } = await recommendationsAt(query.url, 1);

      expect(status).toBe(503);
      expect(errorSchema.parse(body).message).toMatch(/unavailable/);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await query.service.stop();
      await outage.close();
    }
  });
});

/** A QueryClient of the service's RPC port, for the time of one use. */
async function withQueryClient(
  port: number,
  use: (client: QueryClient) => Promise<void>,
): Promise<void> {
  @Module({ imports: [QueryClientModule.register({ host: '127.0.0.1', port })] })
  class CallerModule {}
  const caller: INestApplicationContext = await NestFactory.createApplicationContext(CallerModule, {
    logger: false,
  });
  try {
    await use(caller.get(QueryClient));
  } finally {
    await caller.close();
  }
}

const recommendationsAt = (url: string, userId: number) =>
  getJson(`${url}/v1/users/${userId}/recommendations`);
