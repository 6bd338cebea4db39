import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Command, freePort, option, progressBar } from '@app/cli';
import {
  buildRatingMatrix,
  DEFAULT_MODEL_SETTINGS,
  emptyPattern,
  favouritesPattern,
  generateSyntheticRatings,
  netflixShape,
  nonZeros,
  type RatingMatrix,
} from '@app/clustering';
import { MovieLensFileError, readRatingColumns } from '@app/movielens';
import { aggregatesOf, clusterTotals } from '@app/recommend';
import { type ModelDescription, RatingsBulkLoader, RedisConnection } from '@app/store';
import { openStores } from '@app/testing';
import { alsOptions } from './als-options';

const ROOT = join(__dirname, '..', '..');

/**
 * Redis settings the benchmark's own server runs with, as docs/operations.md recommends: a user's
 * ratings stay in one compact listpack up to this many.
 */
const REDIS_ENCODING = { 'hash-max-listpack-entries': '2048', 'hash-max-listpack-value': '64' };

const command = new Command({
  synopsis:
    'npm run bench:recluster-service -- (--synthetic netflix --scale S | --ratings FILE) [options]',
  summary: `Times the recluster service's own code path at a given size: loads the ratings into Redis
through the store's bulk path, then runs \`npm run recluster -- run\` (the very function the
service's scheduler calls: read, build, k-means, merge, publish) in a child process whose peak
resident memory is measured, and checks the published model: every user assigned, and every
cluster's aggregates equal to a recomputation from the loaded ratings. Redis is a server of the
benchmark's own (redis-server from PATH, recommended settings) unless --redis-url names one.`,
  options: {
    synthetic: option.choice(['netflix'], 'seeded Netflix Prize-shaped ratings'),
    scale: option.number('fraction of the Netflix users and ratings', {
      min: 0,
      aboveMin: true,
      max: 1,
      defaultValue: 1,
    }),
    ratings: option.string('a MovieLens ratings file instead', { value: 'FILE' }),
    k: option.int('clusters', { min: 1, max: 10_000, defaultValue: DEFAULT_MODEL_SETTINGS.k }),
    seed: option.int('seed of the data and of the model', {
      defaultValue: DEFAULT_MODEL_SETTINGS.seed,
    }),
    'heap-mb': option.int("the worker's --max-old-space-size", { min: 128, defaultValue: 1_536 }),
    'redis-url': option.string('an existing Redis to use (its settings are reported)', {
      value: 'URL',
    }),
    ...alsOptions('train ALS beside k-means, as the worker with RECLUSTER_ALS=true'),
    'item-knn': option.flag(
      'build item neighbourhoods beside k-means, as the worker with RECLUSTER_ITEM_KNN=true',
    ),
  },
  check: (args) =>
    (args.ratings === undefined) === (args.synthetic === undefined)
      ? 'give exactly one of --synthetic netflix and --ratings FILE'
      : undefined,
  notes: `The last stdout line is JSON: users, movies, ratings, k, loadSeconds, readSeconds, buildSeconds,
kmeansSeconds, mergeSeconds, publishSeconds, totalSeconds, workerPeakRssMb, redisUsedMemoryMb,
redisBytesPerRating, overheadRatio (totalSeconds / kmeansSeconds: the service path against the
kernel it wraps, in the same run), and the checks; with --als also alsSeconds, alsFactors,
alsIterations and alsMoviesStored (movies whose factors the published version holds); with
--item-knn also itemKnnSeconds and itemKnnNeighbours (neighbours the published version holds). The
worker's peak is that of the whole run, ALS and neighbourhoods included.`,
});

command.run(
  async (args) => {
    const data = args.ratings ? await fromFile(args.ratings) : fromSynthetic(args.scale, args.seed);
    const { matrix } = data;
    log(`data: ${matrix.rows} users x ${matrix.cols} movies, ${nonZeros(matrix)} ratings`);

    const server = args['redis-url'] === undefined ? await startRedis() : undefined;
    const url = args['redis-url'] ?? server?.url ?? '';
    const redis = {
      url,
      keyPrefix: `bench-recluster-${randomUUID().slice(0, 8)}`,
      cluster: false,
      scriptBatchUsers: 500,
    };
    const raw = new Redis(url);
    try {
      const memoryBefore = await usedMemory(raw);
      const connection = new RedisConnection(redis);
      const loadBar = progressBar('load', ' users');
      loadBar.start(matrix.rows, 0);
      const loadStarted = performance.now();
      await new RatingsBulkLoader(connection).load(matrix, data.userIds, data.movieIds, {
        timestamp: 1_000_000_000,
        onProgress: (users) => {
          loadBar.update(users);
        },
      });
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      loadBar.stop();
      await connection.close();
      const memoryLoaded = await usedMemory(raw);
      log(`loaded in ${loadSeconds.toFixed(1)} s`);

      const als = args.als
        ? { factors: args['als-factors'], iterations: args['als-iterations'] }
        : undefined;
      const worker = await runWorker(redis, args.k, args.seed, args['heap-mb'], {
        als,
        itemKnn: args['item-knn'],
      });
      const memoryPublished = await usedMemory(raw);
      log(
        `published model ${worker.outcome.version} in ${worker.outcome.phases.total.toFixed(1)} s`,
      );

      const checks = await check(
        redis,
        data,
        worker.outcome.version,
        worker.outcome.model.clusters,
      );
      const phases = worker.outcome.phases;
      const trained = worker.outcome.model.als;
      const alsReport =
        trained === undefined
          ? {}
          : {
              alsSeconds: round(phases.als ?? trained.trainSeconds),
              alsFactors: trained.settings.factors,
              alsIterations: trained.settings.iterations,
              alsMoviesStored: await storedAlsMovies(redis, worker.outcome.version),
            };
      const neighbours = worker.outcome.model.itemKnn;
      const itemKnnReport =
        neighbours === undefined
          ? {}
          : {
              itemKnnSeconds: round(phases.itemKnn ?? neighbours.buildSeconds),
              itemKnnNeighbours: await storedNeighbours(redis, worker.outcome.version),
            };
      const [version, listpack] = await Promise.all([
        raw.info('server').then((info) => /redis_version:(\S+)/.exec(info)?.[1] ?? '?'),
        raw.config('GET', 'hash-max-listpack-*'),
      ]);
      process.stdout.write(
        `${JSON.stringify({
          source: args.ratings ?? `synthetic-netflix@${args.scale}`,
          users: matrix.rows,
          movies: matrix.cols,
          ratings: nonZeros(matrix),
          k: args.k,
          clusters: worker.outcome.model.clusters,
          loadSeconds: round(loadSeconds),
          readSeconds: round(phases.read),
          buildSeconds: round(phases.matrix),
          kmeansSeconds: round(phases.kmeans),
          mergeSeconds: round(phases.merge),
          publishSeconds: round(phases.publish),
          totalSeconds: round(phases.total),
          overheadRatio: round(phases.total / phases.kmeans),
          ...alsReport,
          ...itemKnnReport,
          workerPeakRssMb: worker.peakRssMb,
          workerHeapMb: args['heap-mb'],
          redisUsedMemoryMb: Math.round((memoryPublished - memoryBefore) / 2 ** 20),
          redisBytesPerRating: round((memoryLoaded - memoryBefore) / nonZeros(matrix)),
          redisVersion: version,
          redisEncoding: Object.fromEntries(pairs(listpack)),
          ...checks,
        })}\n`,
      );
    } finally {
      raw.disconnect();
      server?.stop();
    }
  },
  [MovieLensFileError],
);

interface Data {
  matrix: RatingMatrix['matrix'];
  userIds: ArrayLike<number>;
  movieIds: ArrayLike<number>;
}

async function fromFile(path: string): Promise<Data> {
  const { matrix, userIds, movieIds } = buildRatingMatrix(await readRatingColumns(path), {
    values: 'raw',
    favouriteMinRating: DEFAULT_MODEL_SETTINGS.favouriteMinRating,
  });
  return { matrix, userIds, movieIds };
}

function fromSynthetic(scale: number, seed: number): Data {
  const shape = netflixShape(scale);
  const bar = progressBar('generate', ' users');
  bar.start(shape.users, 0);
  const generated = generateSyntheticRatings({
    ...shape,
    seed,
    onProgress: (u) => {
      bar.update(u);
    },
  });
  bar.stop();
  return generated;
}

interface WorkerOutcome {
  version: number;
  model: ModelDescription;
  phases: {
    read: number;
    matrix: number;
    kmeans: number;
    merge: number;
    als?: number;
    itemKnn?: number;
    publish: number;
    total: number;
  };
}

/**
 * `npm run recluster -- run` as its own process, under GNU time for its peak resident memory:
 * the recluster service's own path, with the recluster service's settings.
 */
async function runWorker(
  redis: { url: string; keyPrefix: string },
  k: number,
  seed: number,
  heapMb: number,
  { als, itemKnn }: { als: { factors: number; iterations: number } | undefined; itemKnn: boolean },
): Promise<{ outcome: WorkerOutcome; peakRssMb: number }> {
  const child = spawn(
    '/usr/bin/time',
    [
      '-v',
      process.execPath,
      `--max-old-space-size=${heapMb}`,
      join(ROOT, 'dist/apps/recluster/src/cli.js'),
      'run',
    ],
    {
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.keyPrefix,
        RECLUSTER_K: String(k),
        RECLUSTER_SEED: String(seed),
        RECLUSTER_ALS: String(als !== undefined),
        ...(als === undefined
          ? {}
          : {
              RECLUSTER_ALS_FACTORS: String(als.factors),
              RECLUSTER_ALS_ITERATIONS: String(als.iterations),
            }),
        RECLUSTER_ITEM_KNN: String(itemKnn),
        LOG_LEVEL: 'log',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr += text;
    // The worker's own log lines, without GNU time's report (read below).
    const own = text.split('\n').filter((line) => line.startsWith('{'));
    if (own.length > 0) process.stderr.write(`${own.join('\n')}\n`);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) {
    // What the run said about it: its last lines, without GNU time's report.
    const said = stderr.split('\n').filter((line) => line !== '' && !line.startsWith('\t'));
    throw new Error(`the recluster run failed (exit ${code}): ${said.slice(-5).join('\n')}`);
  }
  const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]);
  const outcome = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as WorkerOutcome & {
    status: string;
  };
  if (outcome.status !== 'published') throw new Error(`the recluster did not publish: ${stdout}`);
  return { outcome, peakRssMb: Math.round(peakKb / 1024) };
}

/** Every user assigned, and every cluster's aggregates equal to a recomputation. */
async function check(
  redis: { url: string; keyPrefix: string; cluster: boolean; scriptBatchUsers: number },
  data: Data,
  version: number,
  clusters: number,
): Promise<{ assigned: number; aggregatesEqual: boolean }> {
  const stores = openStores(redis);
  try {
    const userIds = Array.from(data.userIds);
    const assigned = await stores.users.clustersOf(userIds, version);
    const rowClusters = Int32Array.from(userIds, (userId) => assigned.get(userId) ?? -1);
    const favourites = favouritesPattern(
      data.matrix,
      emptyPattern(data.matrix.rows, data.matrix.cols),
      DEFAULT_MODEL_SETTINGS.favouriteMinRating,
    );
    const totals = clusterTotals(data.matrix, favourites, rowClusters, clusters);
    let aggregatesEqual = true;
    for (let c = 0; c < clusters; c++) {
      const expected = aggregatesOf(totals, c, data.movieIds);
      const actual = await stores.aggregates.read(version, c);
      if (!sameAggregates(expected, actual)) {
        aggregatesEqual = false;
        log(`cluster ${c}: the published aggregates differ from a recomputation`);
      }
    }
    if (assigned.size !== userIds.length) {
      log(`${userIds.length - assigned.size} users have no cluster in model ${version}`);
    }
    return { assigned: assigned.size, aggregatesEqual };
  } finally {
    await stores.close();
  }
}

type BenchRedis = { url: string; keyPrefix: string; cluster: boolean; scriptBatchUsers: number };

/** Movies whose factors the version holds, read back through the store as the query reads them. */
async function storedAlsMovies(redis: BenchRedis, version: number): Promise<number> {
  return (await loadModel(redis, version))?.als?.movieIds.length ?? 0;
}

/** Neighbours the version holds, read back through the store as the query reads them. */
async function storedNeighbours(redis: BenchRedis, version: number): Promise<number> {
  return (await loadModel(redis, version))?.itemNeighbours?.neighbourCols.length ?? 0;
}

async function loadModel(redis: BenchRedis, version: number) {
  const stores = openStores(redis);
  try {
    return await stores.models.load(version);
  } finally {
    await stores.close();
  }
}

function sameAggregates(
  a: ReturnType<typeof aggregatesOf>,
  b: ReturnType<typeof aggregatesOf>,
): boolean {
  const same = (x: ReadonlyMap<number, number>, y: ReadonlyMap<number, number>) =>
    x.size === y.size && [...x].every(([key, value]) => y.get(key) === value);
  return (
    same(a.favourites, b.favourites) &&
    same(a.ratingCounts, b.ratingCounts) &&
    same(a.ratingSums, b.ratingSums)
  );
}

/** A redis-server of the benchmark's own on a free port, nothing kept on disk. */
async function startRedis(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...Object.entries(REDIS_ENCODING).flatMap(([name, value]) => [`--${name}`, value]),
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    // One connection an attempt, never retried by ioredis: refusals while the server starts are
    // this loop's to retry, not errors to print.
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (attempt > 50) throw new Error(`redis-server did not start: ${(error as Error).message}`);
      await sleep(100);
    } finally {
      probe.disconnect();
    }
  }
  return {
    url,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

const pairs = (flat: readonly string[]): [string, string][] =>
  Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i] ?? '', flat[2 * i + 1] ?? '']);

const round = (value: number): number => Math.round(value * 1000) / 1000;

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};
