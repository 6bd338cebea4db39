import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { freePort, ServiceProcess } from '@app/cli';
import { type IngestEvent } from '@app/events';
import {
  QueryClient,
  QueryClientError,
  QueryClientModule,
  recommendationsResponseSchema,
} from '@app/query-client';
import {
  applyToActiveModels,
  computeExpectedState,
  generateEvents,
  isolatedEnvironment,
  openStores,
  publishModel,
  readState,
  serviceEnvironment,
  waitFor,
} from '@app/testing';

const ADMIN_TOKEN = 'admin-e2e-admin-token-0123456789';
const READ_TOKEN = 'admin-e2e-read-token-0123456789';
const WRONG_TOKEN = 'admin-e2e-wrong-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const CLUSTERS = [0, 1, 2];
const PROFILE = { age: 34, gender: 'F' as const, occupation: 'writer', zipPrefix: '1' };

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(
  url: string,
  { method = 'GET', token, body }: { method?: string; token?: string; body?: unknown } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token === undefined ? {} : bearer(token)),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

/** A refusal: 401, the bearer challenge of the route's level, and only a message. */
function expectRefused(answer: Answer, realm: 'admin' | 'read'): void {
  expect(answer.status).toBe(401);
  expect(answer.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer realm="${realm}"`));
  expect(Object.keys(answer.body as object)).toEqual(['message']);
}

describe('admin routes, tokens and request limits', () => {
  const services: ServiceProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    for (const close of closers.splice(0)) await close();
  });

  /** Users with ratings and favourites in a published model of three clusters, in Redis. */
  async function seededEnvironment() {
    const env = isolatedEnvironment();
    const common = serviceEnvironment(env);
    const stores = openStores(env.redis);
    closers.push(() => stores.close());
    const events = generateEvents(1_200, { seed: 61, users: 24, movies: 20 });
    const userIds = [...new Set(events.map((e) => e.userId))];
    const assignments = new Map(userIds.map((userId) => [userId, userId % CLUSTERS.length]));
    await applyToActiveModels(stores, events.slice(0, 600));
    const version = await publishModel(stores, { clusters: CLUSTERS.length, assignments });
    await applyToActiveModels(stores, events.slice(600));
    return { env, common, stores, events, userIds, assignments, version };
  }

  async function startQuery(common: Record<string, string>, extra: Record<string, string>) {
    const [port, rpcPort] = [await freePort(), await freePort()];
    const service = ServiceProcess.start('query', {
      ...common,
      QUERY_PORT: String(port),
      QUERY_RPC_PORT: String(rpcPort),
      QUERY_RPC_HOST: '127.0.0.1',
      QUERY_REFRESH_MS: '200',
      ...extra,
    });
    services.push(service);
    await service.waitForLog(/HTTP on port/);
    return { service, url: `http://127.0.0.1:${port}`, rpcPort };
  }

  async function startRecluster(common: Record<string, string>, extra: Record<string, string>) {
    const port = await freePort();
    const service = ServiceProcess.start('recluster', {
      ...common,
      RECLUSTER_PORT: String(port),
      RECLUSTER_K: '3',
      RECLUSTER_MIN_CLUSTER_SIZE: '2',
      RECLUSTER_DEMOGRAPHIC_K: '2',
      RECLUSTER_INTERVAL_MS: '3600000',
      ...extra,
    });
    services.push(service);
    await service.waitForLog(/listening on port/);
    return { service, url: `http://127.0.0.1:${port}` };
  }

  describe('query service', () => {
    it('takes the read or admin token for reads, and only the admin token for profile writes', async () => {
      const { common, stores, version } = await seededEnvironment();
      const query = await startQuery(common, { ADMIN_TOKEN, READ_TOKEN, LOG_LEVEL: 'verbose' });
      const recommendations = `${query.url}/v1/users/1/recommendations`;
      await waitFor(
        async () => {
          const { body } = await call(`${query.url}/v1/clusters`, { token: READ_TOKEN });
          return (body as { modelVersion?: number }).modelVersion === version ? true : undefined;
        },
        { what: 'the query service to serve the model' },
      );

      expectRefused(await call(recommendations), 'read');
      expectRefused(await call(recommendations, { token: WRONG_TOKEN }), 'read');
      expect((await call(recommendations, { token: READ_TOKEN })).status).toBe(200);
      expect((await call(recommendations, { token: ADMIN_TOKEN })).status).toBe(200);
      for (const probe of ['/health/live', '/health/ready', '/metrics']) {
        expect((await fetch(`${query.url}${probe}`)).status).toBe(200);
      }

      const profile = `${query.url}/v1/users/9001/profile`;
      for (const token of [undefined, WRONG_TOKEN, READ_TOKEN]) {
        expectRefused(await call(profile, { method: 'PUT', token, body: PROFILE }), 'admin');
      }
      expect((await stores.profiles.readAll()).has(9001)).toBe(false);
      expect(
        (await call(profile, { method: 'PUT', token: ADMIN_TOKEN, body: PROFILE })).status,
      ).toBe(200);
      expect((await stores.profiles.readAll()).get(9001)).toEqual(PROFILE);

      // Requests are not logged, and no line of the service's, at its most verbose, shows a token.
      for (const token of [ADMIN_TOKEN, READ_TOKEN, WRONG_TOKEN]) {
        expect(query.service.logs).not.toContain(token);
      }
    });

    it('takes the tokens over RPC in the payload, as over HTTP', async () => {
      const { common, stores } = await seededEnvironment();
      const query = await startQuery(common, { ADMIN_TOKEN, READ_TOKEN });
      const status = (promise: Promise<unknown>) =>
        promise.then(
          () => 200,
          (error: unknown) => (error instanceof QueryClientError ? error.status : 500),
        );

      const profileWrite = (client: QueryClient) =>
        status(client.saveProfile({ userId: 9002, profile: PROFILE }));
      await withQueryClient(query.rpcPort, async (client) => {
        expect(await status(client.recommendations({ userId: 1 }))).toBe(401);
        expect(await profileWrite(client)).toBe(401);
      });
      await withQueryClient(
        query.rpcPort,
        async (client) => {
          expect(await status(client.recommendations({ userId: 1 }))).toBe(200);
          expect(await profileWrite(client)).toBe(401);
        },
        READ_TOKEN,
      );
      expect((await stores.profiles.readAll()).has(9002)).toBe(false);
      await withQueryClient(
        query.rpcPort,
        async (client) => {
          expect(await status(client.recommendations({ userId: 1 }))).toBe(200);
          expect(await profileWrite(client)).toBe(200);
        },
        ADMIN_TOKEN,
      );
      expect((await stores.profiles.readAll()).has(9002)).toBe(true);
    });

    it("deletes a user's data with the admin token only: out of every aggregate, idempotently", async () => {
      const { common, stores, events, userIds, assignments, version } = await seededEnvironment();
      const query = await startQuery(common, { ADMIN_TOKEN });
      const userId = 5;
      const user = `${query.url}/v1/users/${userId}`;
      const basisOf = async () =>
        recommendationsResponseSchema.parse((await call(`${user}/recommendations`)).body).basis;
      expect(
        (await call(`${user}/profile`, { method: 'PUT', token: ADMIN_TOKEN, body: PROFILE }))
          .status,
      ).toBe(200);
      await waitFor(async () => ((await basisOf()) === 'cluster' ? true : undefined), {
        what: "the user's cluster answer",
      });
      const aggregates = async () => (await readState(stores, version, userIds, CLUSTERS)).clusters;
      const before = await aggregates();

      for (const token of [undefined, WRONG_TOKEN]) {
        expectRefused(await call(user, { method: 'DELETE', token }), 'admin');
      }
      expect(await aggregates()).toEqual(before);
      expect((await stores.users.readUser(userId)).ratings.size).toBeGreaterThan(0);
      expect(await basisOf()).toBe('cluster');

      const deleted = await call(user, { method: 'DELETE', token: ADMIN_TOKEN });

      expect(deleted).toMatchObject({ status: 200, body: { userId, deleted: true, found: true } });
      const others = (e: IngestEvent) => e.userId !== userId;
      const oracle = computeExpectedState(events.filter(others), assignments);
      expect(await aggregates()).toEqual(oracle.clusters);
      expect((await stores.users.readUser(userId)).ratings.size).toBe(0);
      expect((await stores.profiles.readAll()).has(userId)).toBe(false);
      // No ratings, no profile, no cluster: the most popular movies.
      await waitFor(async () => ((await basisOf()) === 'popularity' ? true : undefined), {
        what: 'the deleted user to get the most popular movies',
      });

      const again = await call(user, { method: 'DELETE', token: ADMIN_TOKEN });

      expect(again).toMatchObject({ status: 200, body: { userId, deleted: true, found: false } });
      expect(await aggregates()).toEqual(oracle.clusters);
    });

    it('answers 413 for a body over the limit and 429 with Retry-After over the rate; probes are exempt', async () => {
      const { common, stores } = await seededEnvironment();
      const limit = 12;
      const query = await startQuery(common, {
        ADMIN_TOKEN,
        HTTP_BODY_LIMIT_BYTES: '1024',
        HTTP_RATE_LIMIT_PER_MINUTE: String(limit),
      });
      const profile = `${query.url}/v1/users/9003/profile`;

      const tooLarge = await call(profile, {
        method: 'PUT',
        token: ADMIN_TOKEN,
        body: { ...PROFILE, padding: 'x'.repeat(2_000) },
      });

      expect(tooLarge).toMatchObject({
        status: 413,
        body: { message: 'request body too large: at most 1024 bytes (HTTP_BODY_LIMIT_BYTES)' },
      });
      expect((await stores.profiles.readAll()).has(9003)).toBe(false);

      // The refused body was one request of the minute's budget.
      for (let i = 1; i < limit; i++) {
        expect((await call(`${query.url}/v1/clusters`)).status).toBe(200);
      }
      const limited = await call(`${query.url}/v1/clusters`);

      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.body).toEqual({
        message: `too many requests: at most ${limit} a minute from one address (HTTP_RATE_LIMIT_PER_MINUTE); retry in ${retryAfter === 60 ? '1 minute' : `${retryAfter} seconds`}`,
      });
      for (const probe of ['/health/live', '/health/ready', '/metrics']) {
        expect((await fetch(`${query.url}${probe}`)).status).toBe(200);
      }
    });
  });

  describe('recluster service', () => {
    it('changes no model without the admin token, and runs each admin route with it', async () => {
      const { common, stores, version } = await seededEnvironment();
      const recluster = await startRecluster(common, { ADMIN_TOKEN });
      const routes = [
        ['POST', '/v1/recluster'],
        ['POST', '/v1/models/rollback'],
        ['POST', '/v1/models/resume'],
        ['POST', '/v1/models/candidate'],
        ['POST', '/v1/models/candidate/promote'],
        ['DELETE', '/v1/models/candidate'],
      ] as const;
      const models = async () =>
        (await call(`${recluster.url}/v1/models`)).body as { current: number };

      for (const [method, path] of routes) {
        for (const token of [undefined, WRONG_TOKEN]) {
          expectRefused(
            await call(`${recluster.url}${path}`, {
              method,
              token,
              ...(method === 'POST' ? { body: {} } : {}),
            }),
            'admin',
          );
        }
      }

      expect(await stores.models.currentVersion()).toBe(version);
      expect(await stores.models.candidateVersion()).toBeUndefined();
      expect(await stores.schedule.pin()).toBeUndefined();
      expect((await stores.models.history()).map((m) => m.version)).toEqual([version]);
      expect((await models()).current).toBe(version);

      const run = await call(`${recluster.url}/v1/recluster`, {
        method: 'POST',
        token: ADMIN_TOKEN,
      });
      expect(run).toMatchObject({ status: 200, body: { status: 'published' } });
      const published = (run.body as { version: number }).version;
      expect((await models()).current).toBe(published);
      const rollback = await call(`${recluster.url}/v1/models/rollback`, {
        method: 'POST',
        token: ADMIN_TOKEN,
        body: {},
      });
      expect(rollback).toMatchObject({ status: 200, body: { status: 'published' } });
      expect(await stores.schedule.pin()).toBeDefined();
      expect(
        await call(`${recluster.url}/v1/models/resume`, { method: 'POST', token: ADMIN_TOKEN }),
      ).toMatchObject({ status: 200, body: { resumed: true } });
    });
  });

  describe('start-up', () => {
    it('refuses a malformed admin token, naming the variable and never showing the value', async () => {
      const { common } = await seededEnvironment();
      const service = ServiceProcess.start('query', {
        ...common,
        QUERY_PORT: String(await freePort()),
        QUERY_RPC_PORT: String(await freePort()),
        ADMIN_TOKEN: 'hunter2-short',
      });
      services.push(service);

      await service.exited();

      expect(service.exitCode).toBe(1);
      expect(service.logs).toMatch(/ADMIN_TOKEN: expected at least 16 characters, got 13/);
      expect(service.logs).not.toContain('hunter2');
    });

    it('locks the admin routes without a token, and opens them only when told to, saying so', async () => {
      const { common, stores } = await seededEnvironment();
      const locked = await startQuery(common, {});
      const opened = await startQuery(common, { ADMIN_AUTH: 'disabled' });
      const write = (url: string, userId: number) =>
        call(`${url}/v1/users/${userId}/profile`, {
          method: 'PUT',
          token: ADMIN_TOKEN,
          body: PROFILE,
        });

      const refused = await write(locked.url, 9004);

      expectRefused(refused, 'admin');
      expect(refused.body).toEqual({
        message: 'admin routes are locked: the service was started without ADMIN_TOKEN',
      });
      expect(locked.service.logs).toMatch(/"level":"warn".*ADMIN_TOKEN is not set/);
      expect((await write(opened.url, 9005)).status).toBe(200);
      expect(opened.service.logs).toMatch(/"level":"warn".*ADMIN_AUTH=disabled/);
      const profiles = await stores.profiles.readAll();
      expect([profiles.has(9004), profiles.has(9005)]).toEqual([false, true]);
    });
  });
});

/** A QueryClient of the service's RPC port, for the time of one use. */
async function withQueryClient(
  port: number,
  use: (client: QueryClient) => Promise<void>,
  token?: string,
): Promise<void> {
  @Module({ imports: [QueryClientModule.register({ host: '127.0.0.1', port, token })] })
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
