import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { Command, freePort, option, progressBar, ServiceProcess, startLocalStack } from '@app/cli';
import { DEFAULT_MODEL_SETTINGS } from '@app/clustering';
import { loadConfig, redisEnvSchema, toRedisConfig } from '@app/config';
import { type IngestEvent } from '@app/events';
import { inspectRatingsFile, MovieLensFileError, readRatings } from '@app/movielens';
import { clustersResponseSchema } from '@app/query-client';
import { Reclusterer } from '@app/recluster';
import { deleteKeysOf, openStores, type TestStores } from '@app/testing';

const ROOT = join(__dirname, '..', '..');

const command = new Command({
  synopsis: 'npm run bench:query -- [--ratings FILE] [--rate N] [--duration S] [--connections N]',
  summary: `Loads a MovieLens ratings file into Redis (under a fresh key prefix), reclusters it, starts the
query service as its own process and drives GET /v1/users/:id/recommendations for random users
over loopback: first as fast as it answers (autocannon), then at a steady rate, each request
sent at its scheduled time and timed from then (sub-millisecond percentiles). Starts the local
stack first unless --no-stack. Keys are removed afterwards.`,
  options: {
    ratings: option.string('ratings to load', {
      value: 'FILE',
      defaultValue: join(ROOT, 'data/ml-latest-small/ratings.csv'),
    }),
    rate: option.int('requests per second of the fixed-rate run', { min: 1, defaultValue: 2_000 }),
    duration: option.number('seconds of each run', { min: 0, aboveMin: true, defaultValue: 15 }),
    connections: option.int('concurrent connections of the as-fast-as-possible run', {
      min: 1,
      defaultValue: 10,
    }),
    'no-stack': option.flag('use REDIS_URL as it is; start nothing'),
  },
  notes: `Environment: REDIS_URL. The last stdout line is JSON with rps, p50Ms, p99Ms and errors of the
steady-rate run, and maxRps of the fastest run.`,
});

command.run(
  async (args) => {
    const stack = args['no-stack'] ? {} : await startLocalStack(ROOT);
    const redis = loadConfig(
      redisEnvSchema.transform((env, ctx) => toRedisConfig(env, ctx)),
      { ...process.env, ...stack },
    );
    const keyPrefix = `bench-query-${randomUUID().slice(0, 8)}`;
    const stores = openStores({ ...redis, keyPrefix });
    let service: ServiceProcess | undefined;
    try {
      const userIds = await load(stores, args.ratings);
      const outcome = await new Reclusterer(stores, {
        ...DEFAULT_MODEL_SETTINGS,
        demographicK: 8,
        keepVersions: 1,
        lockTtlMs: 60_000,
      }).run();
      if (outcome.status !== 'published') throw new Error(`recluster ${outcome.reason}`);
      log(
        `model ${outcome.version}: ${outcome.model.clusters} clusters of ${userIds.length} users`,
      );

      const port = await freePort();
      service = ServiceProcess.start('query', {
        REDIS_URL: redis.url,
        REDIS_CLUSTER: String(redis.cluster),
        REDIS_KEY_PREFIX: keyPrefix,
        QUERY_PORT: String(port),
        QUERY_RPC_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForModel(url, outcome.version, service);

      const path = () =>
        `/v1/users/${userIds[Math.floor(Math.random() * userIds.length)]}/recommendations?limit=10`;
      await drive(url, path, { duration: 2, connections: args.connections });
      const fastest = await drive(url, path, {
        duration: args.duration,
        connections: args.connections,
      });
      log(`as fast as it answers: ${Math.round(fastest.rps)} requests/s`);
      const fixed = await paced(url, path, { duration: args.duration, rate: args.rate });
      log(`at ${args.rate}/s: p50 ${fixed.p50Ms.toFixed(2)} ms, p99 ${fixed.p99Ms.toFixed(2)} ms`);
      process.stdout.write(
        `${JSON.stringify({
          ratings: args.ratings,
          users: userIds.length,
          targetRate: args.rate,
          rps: round(fixed.rps),
          p50Ms: round(fixed.p50Ms),
          p90Ms: round(fixed.p90Ms),
          p99Ms: round(fixed.p99Ms),
          maxMs: round(fixed.maxMs),
          errors: fixed.errors,
          maxRps: round(fastest.rps),
          maxRpsP99Ms: round(fastest.p99Ms),
          connections: args.connections,
          seconds: args.duration,
        })}\n`,
      );
    } finally {
      await service?.stop();
      await deleteKeysOf({ ...redis, keyPrefix });
      await stores.close();
    }
  },
  [MovieLensFileError],
);

/** Applies every rating of the file to Redis, as ingestion would; returns the user ids. */
async function load(stores: TestStores, path: string): Promise<number[]> {
  const { bytes } = await inspectRatingsFile(path);
  const bar = progressBar('load', ' bytes');
  bar.start(bytes, 0);
  const users = new Set<number>();
  let batch: IngestEvent[] = [];
  for await (const { line: _line, ...rating } of readRatings(path, {
    onProgress: (read) => {
      bar.update(read);
    },
  })) {
    users.add(rating.userId);
    batch.push({ kind: 'rating', ...rating });
    if (batch.length === 10_000) {
      await stores.users.applyEvents(batch, []);
      batch = [];
    }
  }
  await stores.users.applyEvents(batch, []);
  bar.update(bytes);
  bar.stop();
  return [...users];
}

interface Measured {
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

/** One autocannon run; latencies are taken per response, in fractional milliseconds. */
async function drive(
  url: string,
  path: () => string,
  options: { duration: number; connections: number },
): Promise<Measured> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        duration: options.duration,
        connections: options.connections,
        requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }],
      },
      (error, done) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(done);
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  return measured(
    latencies,
    result.requests.total / options.duration,
    result.errors + result.timeouts + result.non2xx,
  );
}

/**
 * Requests at a steady rate, each sent at its scheduled time whether or not earlier ones were
 * answered (open loop: autocannon's fixed rate sends each second's quota in a burst). Latency
 * counts from the scheduled time, so a stalled client or server cannot hide its delay.
 */
async function paced(
  url: string,
  path: () => string,
  { duration, rate }: { duration: number; rate: number },
): Promise<Measured> {
  const pool = new Pool(url, { connections: 32 });
  const total = Math.round(duration * rate);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const send = async (scheduled: number): Promise<void> => {
    try {
      const { statusCode, body } = await pool.request({ path: path(), method: 'GET' });
      await body.dump();
      if (statusCode !== 200) errors++;
      latencies.push(performance.now() - scheduled);
    } catch {
      errors++;
    }
  };
  const inFlight: Promise<void>[] = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
    for (; sent < due; sent++) inFlight.push(send(started + sent * interval));
    await sleep(Math.max(0, started + sent * interval - performance.now()));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return measured(latencies, total / seconds, errors);
}

function measured(latencies: number[], rps: number, errors: number): Measured {
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    rps,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: latencies.at(-1) ?? 0,
    errors,
  };
}

async function waitForModel(url: string, version: number, service: ServiceProcess) {
  for (;;) {
    if (service.exitCode !== null) throw new Error(`the query service exited:\n${service.logs}`);
    const response = await fetch(`${url}/v1/clusters`).catch(() => undefined);
    if (
      response?.ok &&
      clustersResponseSchema.parse(await response.json()).modelVersion === version
    )
      return;
    await sleep(200);
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};
