import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { freePort, ServiceProcess } from '@app/cli';
import { variantOf } from '@app/query';
import { QueryClient, QueryClientModule, recommendationsResponseSchema } from '@app/query-client';
import {
  applyToActiveModels,
  generateEvents,
  isolatedEnvironment,
  lastJsonLine,
  metricValue,
  openStores,
  parseMetrics,
  runBuilt,
  serviceEnvironment,
  type TestStores,
  waitFor,
} from '@app/testing';

const USERS = 40;
const SHARE = 0.5;
/** The services' admin token, sent by the test's calls to the model API. */
const ADMIN_TOKEN = 'variants-e2e-admin-token-0123456789';
const AS_ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const userIds = Array.from({ length: USERS }, (_, i) => i + 1);

const outcomeSchema = z.object({ status: z.string(), version: z.number(), reason: z.string() });
const modelsSchema = z.object({
  current: z.number().nullable(),
  candidate: z
    .object({
      version: z.number(),
      description: z.object({ settings: z.object({ k: z.number() }) }),
    })
    .nullable(),
});
const errorSchema = z.object({
  message: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** A QueryClient of the service's RPC port, for the time of one use. */
async function withQueryClient<T>(port: number, use: (client: QueryClient) => Promise<T>) {
  @Module({ imports: [QueryClientModule.register({ host: '127.0.0.1', port })] })
  class CallerModule {}
  const caller: INestApplicationContext = await NestFactory.createApplicationContext(CallerModule, {
    logger: false,
  });
  try {
    return await use(caller.get(QueryClient));
  } finally {
    await caller.close();
  }
}

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

/** The recluster service's model API, as an operator calls it. */
function modelApi(url: string) {
  const send = async (method: string, path: string, body?: unknown) =>
    call(`${url}/v1/${path}`, {
      method,
      headers: {
        ...AS_ADMIN,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return {
    send,
    outcome: async (method: string, path: string, body?: unknown) => {
      const { status, body: answer } = await send(method, path, body);
      expect(status).toBe(200);
      return outcomeSchema.parse(answer);
    },
    models: async () => modelsSchema.parse((await send('GET', 'models')).body),
  };
}

describe('A/B of two models over the running services', () => {
  const services: ServiceProcess[] = [];
  let stores: TestStores;
  let common: Record<string, string>;
  let queryUrl: string;
  let queryRpcPort: number;
  let api: ReturnType<typeof modelApi>;

  /** Every user's answer, as the query service gives it now. */
  const answers = () =>
    Promise.all(
      userIds.map(async (userId) =>
        recommendationsResponseSchema.parse(
          (await call(`${queryUrl}/v1/users/${userId}/recommendations?limit=5`)).body,
        ),
      ),
    );

  /** Waits until every user is answered by the model variantOf gives them. */
  const servedBy = (active: number, candidate: number | undefined) =>
    waitFor(
      async () => {
        const all = await answers();
        const expected = (userId: number) =>
          candidate !== undefined && variantOf(userId, SHARE) === 'candidate'
            ? { variant: 'candidate', modelVersion: candidate }
            : { variant: 'active', modelVersion: active };
        return all.every((a) => {
          const { variant, modelVersion } = expected(a.userId);
          return a.variant === variant && a.modelVersion === modelVersion;
        })
          ? all
          : undefined;
      },
      { what: `users answered by model ${active} and candidate ${candidate ?? 'none'}` },
    );

  const cli = (...args: string[]) =>
    runBuilt('apps/recluster/src/cli.js', args, { ...common, RECLUSTER_K: '3' });

  beforeAll(async () => {
    const env = isolatedEnvironment();
    common = { ...serviceEnvironment(env), ADMIN_TOKEN };
    stores = openStores(env.redis);
    await applyToActiveModels(
      stores,
      generateEvents(1_500, { seed: 61, users: USERS, movies: 30 }),
    );
    const [reclusterPort, queryPort, rpcPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
    ]);
    const recluster = ServiceProcess.start('recluster', {
      ...common,
      RECLUSTER_PORT: String(reclusterPort),
      RECLUSTER_K: '3',
      RECLUSTER_MIN_CLUSTER_SIZE: '2',
      RECLUSTER_INTERVAL_MS: '3600000',
    });
    const query = ServiceProcess.start('query', {
      ...common,
      QUERY_PORT: String(queryPort),
      QUERY_RPC_PORT: String(rpcPort),
      QUERY_RPC_HOST: '127.0.0.1',
      QUERY_REFRESH_MS: '200',
      QUERY_CANDIDATE_SHARE: String(SHARE),
    });
    services.push(recluster, query);
    await Promise.all([
      recluster.waitForLog(/listening on port/),
      query.waitForLog(/HTTP on port/),
    ]);
    queryUrl = `http://127.0.0.1:${queryPort}`;
    queryRpcPort = rpcPort;
    api = modelApi(`http://127.0.0.1:${reclusterPort}`);
  }, 120_000);

  afterAll(async () => {
    for (const service of services) expect([0, 'SIGTERM']).toContain(await service.stop());
    await stores.close();
  });

  it('splits users between the active model and a candidate, stably, labels metrics by variant, and promotes or discards it', async () => {
    const first = await api.outcome('POST', 'recluster');
    expect(first.status).toBe('published');
    await servedBy(first.version, undefined);

    // A candidate's settings are validated: a 400 names the field.
    for (const [body, field, message] of [
      [{ k: 0 }, 'k', /1/],
      [{ values: 'stars' }, 'values', /binary/],
      [{ colour: 'blue' }, '(request)', /colour/],
    ] as const) {
      const refused = await api.send('POST', 'models/candidate', body);
      expect(refused.status).toBe(400);
      expect(errorSchema.parse(refused.body).errors).toEqual([
        { field, message: expect.stringMatching(message) as unknown },
      ]);
    }
    expect(await api.models()).toMatchObject({ candidate: null });
    const candidate = await api.outcome('POST', 'models/candidate', { k: 2, values: 'centred' });
    expect(candidate).toMatchObject({ status: 'published', reason: 'candidate' });
    expect(await api.models()).toMatchObject({
      current: first.version,
      candidate: { version: candidate.version, description: { settings: { k: 2 } } },
    });
    const history = await cli('history');
    expect(history.stderr).toMatch(new RegExp(`^\\? +${candidate.version} .*candidate: k 2`, 'm'));

    // The same user gets the same variant, request after request; about half go each way.
    const split = await servedBy(first.version, candidate.version);
    const again = await answers();
    expect(again.map((a) => [a.variant, a.modelVersion])).toEqual(
      split.map((a) => [a.variant, a.modelVersion]),
    );
    const toCandidate = split.filter((a) => a.variant === 'candidate').length;
    expect(toCandidate).toBeGreaterThan(USERS * 0.25);
    expect(toCandidate).toBeLessThan(USERS * 0.75);

    // Over RPC, the same users get the same variants and models.
    const overRpc = await withQueryClient(queryRpcPort, (client) =>
      Promise.all(split.map(({ userId }) => client.recommendations({ userId, limit: 5 }))),
    );
    expect(overRpc.map((a) => [a.variant, a.modelVersion])).toEqual(
      split.map((a) => [a.variant, a.modelVersion]),
    );

    const metrics = parseMetrics(await (await fetch(`${queryUrl}/metrics`)).text());
    const answered = (transport: string, variant: string) =>
      metricValue(metrics, 'recommender_answer_seconds_count', {
        operation: 'recommendations',
        transport,
        variant,
      });
    expect(answered('http', 'candidate')).toBeGreaterThanOrEqual(2 * toCandidate);
    expect(answered('http', 'active')).toBeGreaterThanOrEqual(2 * (USERS - toCandidate));
    expect(answered('rpc', 'candidate')).toBe(toCandidate);
    expect(answered('rpc', 'active')).toBe(USERS - toCandidate);

    // Promoted from the command line: everyone gets the promoted model.
    const promote = await cli('promote');
    expect(promote.code).toBe(0);
    const promoted = outcomeSchema.parse(lastJsonLine(promote.stdout));
    expect(promoted).toMatchObject({
      status: 'published',
      reason: `promoted candidate ${candidate.version}`,
    });
    await servedBy(promoted.version, undefined);
    expect(await api.models()).toMatchObject({ current: promoted.version, candidate: null });

    // Another candidate, built from the command line, then discarded over HTTP.
    const next = await cli('candidate', '--k', '2', '--values', 'binary');
    expect(next.code).toBe(0);
    const second = outcomeSchema.parse(lastJsonLine(next.stdout));
    await servedBy(promoted.version, second.version);
    const discarded = await api.outcome('DELETE', 'models/candidate');
    expect(discarded.reason).toBe(`discarded candidate ${second.version}`);
    await servedBy(discarded.version, undefined);
    expect(await api.models()).toMatchObject({ current: discarded.version, candidate: null });
    expect(await stores.models.activeModels()).toEqual([
      expect.objectContaining({ version: discarded.version }),
    ]);
  }, 240_000);
});
