import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { z } from 'zod';
import { freePort, parseArguments, progressBar, runCli, ServiceProcess } from '@app/cli';
import { loadConfig, redisEnvSchema, toRedisConfig } from '@app/config';
import { type IngestEvent } from '@app/events';
import { inspectRatingsFile, MovieLensFileError, readRatings } from '@app/movielens';
import { clustersResponseSchema } from '@app/query-client';
import { DEFAULT_MODEL_SETTINGS, Reclusterer } from '@app/recluster';
import { RatingsRepository } from '@app/store';

const USAGE = `Usage: npm run bench:query -- [--ratings FILE] [--rate N] [--duration S] [--connections N]

Loads a MovieLens ratings file into Redis (under a fresh key prefix), reclusters it, starts the
query service as its own process and drives GET /v1/users/:id/recommendations for random users
over loopback: first as fast as it answers (autocannon), then at a steady rate, each request
sent at its scheduled time and timed from then (sub-millisecond percentiles). Keys are removed
afterwards.

Options:
  --ratings FILE     ratings to load (default: the bundled ml-latest-small ratings.csv)
  --rate N           requests per second of the fixed-rate run (default 2000)
  --duration S       seconds of each run (default 15)
  --connections N    concurrent connections of the as-fast-as-possible run (default 10)
  -h, --help         show this help

Environment: REDIS_URL. The last stdout line is JSON with rps, p50Ms, p99Ms and errors of the
steady-rate run, and maxRps of the fastest run.`;

const argsSchema = z.object({
  ratings: z.string().default(join(__dirname, '../../data/ml-latest-small/ratings.csv')),
  rate: z.coerce.number().int().positive().default(2_000),
  duration: z.coerce.number().positive().default(15),
  connections: z.coerce.number().int().positive().default(10),
  help: z.boolean().default(false),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ratings: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const args = parseArguments(argsSchema, values);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const redis = { ...toRedisConfig(loadConfig(redisEnvSchema, process.env)) };
  const keyPrefix = `bench-query-${randomUUID().slice(0, 8)}`;
  const repository = new RatingsRepository({ ...redis, keyPrefix });
  let service: ServiceProcess | undefined;
  try {
    const userIds = await load(repository, args.ratings);
    const outcome = await new Reclusterer(repository, {
      ...DEFAULT_MODEL_SETTINGS,
      demographicK: 8,
      keepVersions: 1,
      lockTtlMs: 60_000,
    }).run();
    if (outcome.status !== 'published') throw new Error(`recluster ${outcome.reason}`);
    log(`model ${outcome.version}: ${outcome.model.clusters} clusters of ${userIds.length} users`);

    const port = await freePort();
    service = ServiceProcess.start('query', {
      REDIS_URL: redis.url,
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
    await repository.deleteAll();
    await repository.close();
  }
}

/** Applies every rating of the file to Redis, as ingestion would; returns the user ids. */
async function load(repository: RatingsRepository, path: string): Promise<number[]> {
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
      await repository.applyEvents(batch);
      batch = [];
    }
  }
  await repository.applyEvents(batch);
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

runCli(main, USAGE, [MovieLensFileError]);
