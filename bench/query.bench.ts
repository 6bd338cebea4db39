import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import {
  Command,
  freePort,
  option,
  progressBar,
  projectRoot,
  ServiceProcess,
  startLocalStack,
} from '@app/cli';
import { DEFAULT_MODEL_SETTINGS } from '@app/clustering';
import {
  kafkaEnvSchema,
  type KafkaConfig,
  loadConfig,
  type RedisConfig,
  redisEnvSchema,
  toKafkaConfig,
  toRedisConfig,
} from '@app/config';
import { deadLetterTopic, type IngestEvent } from '@app/events';
import { createKafka, ensureTopics } from '@app/kafka';
import { inspectRatingsFile, MovieLensFileError, readMovies, readRatings } from '@app/movielens';
import { clustersResponseSchema } from '@app/query-client';
import { Reclusterer } from '@app/recluster';
import { MovieCatalogueStore } from '@app/store';
import {
  deleteKeysOf,
  metricValue,
  openStores,
  parseMetrics,
  serviceEnvironment,
  type TestStores,
} from '@app/testing';

const ROOT = projectRoot();

const command = new Command({
  synopsis:
    'npm run bench:query -- [--ratings FILE] [--movies FILE] [--query PARAMS] [--rate N] [--duration S]\n' +
    '  [--replicas N] [--ingest-rate N]',
  summary: `Loads a MovieLens ratings file into Redis (under a fresh key prefix), reclusters it, starts
--replicas query services, each its own process, and drives GET /v1/users/:id/recommendations for
random users (with --query's parameters, e.g. filters) over loopback, the catalogue loaded from
--movies: first as fast as the first replica answers (autocannon), then at a
steady rate spread over the replicas, each request sent at its scheduled time and timed from then.
The floor runs next, at the same rate with the same load generator: as many bare Fastify
processes that answer the same route from the one Redis command a request costs (the user's
read); p99Ratio is the service's p99 over the floor's. With --ingest-rate, an ingest service
consumes that many rating events a second, published to Kafka throughout both runs, so replicas
refresh their snapshots under live ingestion. Starts the local stack first unless --no-stack.
Keys and topics are removed afterwards.`,
  options: {
    ratings: option.string('ratings to load', {
      value: 'FILE',
      defaultValue: join(ROOT, 'data/ml-latest-small/ratings.csv'),
    }),
    movies: option.string('movies file loaded into the catalogue, for titles and genre filters', {
      value: 'FILE',
      defaultValue: join(ROOT, 'data/ml-latest-small/movies.csv'),
    }),
    query: option.string(
      'more query parameters of every request, e.g. "genres=Comedy,Drama&exclude=1,2&offset=10"',
      { value: 'PARAMS', defaultValue: '' },
    ),
    rate: option.int('requests per second of the fixed-rate run', { min: 1, defaultValue: 2_000 }),
    duration: option.number('seconds of each run', { min: 0, aboveMin: true, defaultValue: 15 }),
    connections: option.int('concurrent connections of the as-fast-as-possible run', {
      min: 1,
      defaultValue: 10,
    }),
    replicas: option.int('query processes behind the load generator', {
      min: 1,
      max: 16,
      defaultValue: 1,
    }),
    'ingest-rate': option.int('rating events a second published and ingested during the runs', {
      min: 0,
      defaultValue: 0,
    }),
    'no-stack': option.flag('use REDIS_URL as it is; start nothing'),
  },
  notes: `Environment: REDIS_URL, REDIS_CLUSTER, KAFKA_BROKERS (with --ingest-rate), REDIS_MODE and
KAFKA_NODES (for the stack). The last stdout line is JSON: rps, p50Ms, p99Ms, maxMs and errors of
the steady-rate run; floorP50Ms, floorP99Ms and p99Ratio; ingestedPerSec; the snapshot refreshes
that read Redis per replica; and maxRps of the fastest run.`,
});

command.run(
  async (args) => {
    const stack = args['no-stack'] ? {} : await startLocalStack(ROOT);
    const env = { ...process.env, ...stack };
    const redis = loadConfig(
      redisEnvSchema.transform((raw, ctx) => toRedisConfig(raw, ctx)),
      env,
    );
    const id = randomUUID().slice(0, 8);
    const keyPrefix = `bench-query-${id}`;
    const stores = openStores({ ...redis, keyPrefix });
    const processes: { stop(): Promise<unknown> }[] = [];
    let ingestion: Ingestion | undefined;
    try {
      const { userIds, movieIds } = await load(stores, args.ratings);
      const catalogue = await readMovies(args.movies);
      await new MovieCatalogueStore(stores.connection).apply(
        catalogue.map((movie) => ({ movieId: movie.movieId, movie })),
      );
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
      const redisEnv = {
        REDIS_URL: redis.url,
        REDIS_CLUSTER: String(redis.cluster),
        REDIS_KEY_PREFIX: keyPrefix,
      };

      const replicas: string[] = [];
      for (let i = 0; i < args.replicas; i++) {
        const port = await freePort();
        const service = ServiceProcess.start('query', {
          ...redisEnv,
          QUERY_PORT: String(port),
          QUERY_RPC_PORT: String(await freePort()),
          LOG_LEVEL: 'warn',
          // One client address sends every request: a rate limit from the shell would time the
          // 429s, and a read token the 401s.
          HTTP_RATE_LIMIT_PER_MINUTE: '0',
          READ_TOKEN: '',
          READ_TOKEN_FILE: '',
        });
        processes.push(service);
        const url = `http://127.0.0.1:${port}`;
        replicas.push(url);
        await waitForModel(url, outcome.version, service);
      }
      const floors: string[] = [];
      for (let i = 0; i < args.replicas; i++) {
        const floor = await startFloor(redisEnv);
        processes.push(floor);
        floors.push(floor.url);
      }
      if (args['ingest-rate'] > 0) {
        const kafka = loadConfig(
          kafkaEnvSchema.transform((raw, ctx) => toKafkaConfig(raw, ctx)),
          env,
        );
        ingestion = await startIngestion(
          {
            ...kafka,
            topics: {
              rating: `bench-q-ratings-${id}`,
              favourite: `bench-q-favourites-${id}`,
              feedback: `bench-q-feedback-${id}`,
            },
          },
          { ...redis, keyPrefix },
          { userIds, movieIds, rate: args['ingest-rate'] },
        );
      }

      const path = () =>
        `/v1/users/${userIds[Math.floor(Math.random() * userIds.length)]}/recommendations?limit=10` +
        (args.query === '' ? '' : `&${args.query}`);
      const [first = ''] = replicas;
      await drive(first, path, { duration: 2, connections: args.connections });
      const fastest = await drive(first, path, {
        duration: args.duration,
        connections: args.connections,
      });
      log(`as fast as one replica answers: ${Math.round(fastest.rps)} requests/s`);
      const refreshesBefore = await Promise.all(replicas.map(refreshesOf));
      const ingestedBefore = await stores.counters.totals();
      const started = performance.now();
      const fixed = await paced(replicas, path, { duration: args.duration, rate: args.rate });
      const ingestedPerSec =
        ((await stores.counters.totals()).events - ingestedBefore.events) /
        ((performance.now() - started) / 1000);
      const refreshes = (await Promise.all(replicas.map(refreshesOf))).map(
        (after, i) => after.reads - (refreshesBefore[i]?.reads ?? 0),
      );
      log(`at ${args.rate}/s: p50 ${fixed.p50Ms.toFixed(2)} ms, p99 ${fixed.p99Ms.toFixed(2)} ms`);
      const floor = await paced(floors, path, { duration: args.duration, rate: args.rate });
      log(
        `floor at ${args.rate}/s: p50 ${floor.p50Ms.toFixed(2)} ms, p99 ${floor.p99Ms.toFixed(2)} ms`,
      );
      process.stdout.write(
        `${JSON.stringify({
          ratings: args.ratings,
          query: args.query,
          users: userIds.length,
          replicas: args.replicas,
          targetRate: args.rate,
          ingestRate: args['ingest-rate'],
          ingestedPerSec: Math.round(ingestedPerSec),
          rps: round(fixed.rps),
          p50Ms: round(fixed.p50Ms),
          p90Ms: round(fixed.p90Ms),
          p99Ms: round(fixed.p99Ms),
          maxMs: round(fixed.maxMs),
          errors: fixed.errors,
          floorP50Ms: round(floor.p50Ms),
          floorP99Ms: round(floor.p99Ms),
          floorMaxMs: round(floor.maxMs),
          floorErrors: floor.errors,
          p99Ratio: round(fixed.p99Ms / floor.p99Ms),
          refreshesPerReplica: refreshes,
          maxRps: round(fastest.rps),
          maxRpsP99Ms: round(fastest.p99Ms),
          connections: args.connections,
          seconds: args.duration,
        })}\n`,
      );
    } finally {
      await ingestion?.stop();
      for (const child of processes) await child.stop();
      await deleteKeysOf({ ...redis, keyPrefix });
      await stores.close();
    }
  },
  [MovieLensFileError],
);

/** Refreshes of a replica's snapshot that read Redis, from its metrics. */
async function refreshesOf(url: string): Promise<{ reads: number }> {
  const samples = parseMetrics(await (await fetch(`${url}/metrics`)).text());
  return {
    reads: metricValue(samples, 'recommender_snapshot_refreshes_total', { outcome: 'read' }) ?? 0,
  };
}

/** The floor (bench/query-floor.ts) as a process of its own, once it listens. */
async function startFloor(
  env: Record<string, string>,
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const floor = await startChild('query-floor.js', /listening/, {
    ...env,
    FLOOR_PORT: String(port),
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => floor.stop() };
}

/** A script of this folder (bench/) as a process of its own, once it printed `ready`. */
async function startChild(
  script: string,
  ready: RegExp,
  env: Record<string, string>,
): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!ready.test(output)) {
    if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode})`);
    await sleep(50);
  }
  return {
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

interface Ingestion {
  stop(): Promise<void>;
}

/**
 * An ingest service consuming rating events that are published at `rate` a second until
 * stopped: re-ratings of the loaded movies by the loaded users, later than any rating before.
 */
async function startIngestion(
  kafkaConfig: KafkaConfig,
  redis: RedisConfig,
  { userIds, movieIds, rate }: { userIds: number[]; movieIds: number[]; rate: number },
): Promise<Ingestion> {
  const kafka = createKafka(kafkaConfig);
  const topics = Object.values(kafkaConfig.topics);
  await ensureTopics(kafka, [...topics, ...topics.map(deadLetterTopic)], kafkaConfig.topicLayout);
  const env = serviceEnvironment({
    kafka: kafkaConfig,
    redis,
    groupId: `bench-q-ingest-${redis.keyPrefix}`,
  });
  const service = ServiceProcess.start('ingest', {
    ...env,
    INGEST_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  });
  const folder = await mkdtemp(join(tmpdir(), 'bench-query-'));
  await writeFile(join(folder, 'ids.json'), JSON.stringify({ userIds, movieIds }));
  const stream = await startChild('rating-stream.js', /publishing/, {
    ...env,
    STREAM_RATE: String(rate),
    STREAM_IDS: join(folder, 'ids.json'),
  });
  log(`ingesting ${rate} events/s`);
  // Let the first events through, so the runs meet ingestion in its stride.
  await sleep(2_000);
  return {
    stop: async () => {
      await stream.stop();
      await service.stop();
      await rm(folder, { recursive: true, force: true });
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [...topics, ...topics.map(deadLetterTopic)] });
      await admin.disconnect();
    },
  };
}

/** Applies every rating of the file to Redis, as ingestion would; returns the users and movies. */
async function load(
  stores: TestStores,
  path: string,
): Promise<{ userIds: number[]; movieIds: number[] }> {
  const { bytes } = await inspectRatingsFile(path);
  const bar = progressBar('load', ' bytes');
  bar.start(bytes, 0);
  const users = new Set<number>();
  const movies = new Set<number>();
  let batch: IngestEvent[] = [];
  for await (const { line: _line, ...rating } of readRatings(path, {
    onProgress: (read) => {
      bar.update(read);
    },
  })) {
    users.add(rating.userId);
    movies.add(rating.movieId);
    batch.push({ kind: 'rating', ...rating });
    if (batch.length === 10_000) {
      await stores.users.applyEvents(batch, []);
      batch = [];
    }
  }
  await stores.users.applyEvents(batch, []);
  bar.update(bytes);
  bar.stop();
  return { userIds: [...users], movieIds: [...movies] };
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
  urls: readonly string[],
  path: () => string,
  { duration, rate }: { duration: number; rate: number },
): Promise<Measured> {
  // Requests go round the servers in turn.
  const pools = urls.map((url) => new Pool(url, { connections: 32 }));
  const total = Math.round(duration * rate);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const send = async (scheduled: number, pool: Pool): Promise<void> => {
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
    for (; sent < due; sent++) {
      const pool = pools[sent % pools.length];
      if (pool !== undefined) inFlight.push(send(started + sent * interval, pool));
    }
    await sleep(Math.max(0, started + sent * interval - performance.now()));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(pools.map((pool) => pool.close()));
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
