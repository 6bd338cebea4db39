import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, option, progressBar } from '@app/cli';
import {
  applyMatrixValues,
  buildRatingMatrix,
  type CsrMatrix,
  DEFAULT_MODEL_SETTINGS,
  generateSyntheticRatings,
  MATRIX_VALUES,
  netflixShape,
  nonZeros,
  normalizeRows,
  type RatingMatrix,
  sparseKMeans,
} from '@app/clustering';
import { trainAls } from '@app/factorization';
import { MovieLensFileError, readRatingColumns } from '@app/movielens';
import { alsOptions } from './als-options';

/** Debian's python3, where apt-get installs python3-sklearn (another python3 may come first). */
const SKLEARN_PYTHON = '/usr/bin/python3';

const command = new Command({
  synopsis: 'npm run bench:recluster -- (--ratings FILE | --synthetic netflix --scale S) [options]',
  summary: `Times the sparse k-means engine on a user x movie matrix and, in the same run, scikit-learn's
KMeans on the very same matrix with the same k, number of starts and tolerance (when Debian's
python3-sklearn is installed for /usr/bin/python3). The input is a MovieLens ratings file
(ratings.csv, u.data or ratings.dat), or seeded Netflix Prize-shaped ratings (480,189 x 17,770,
100,480,507 ratings at scale 1; power-law popularity, latent taste groups).`,
  options: {
    ratings: option.string('a MovieLens ratings file', { value: 'FILE' }),
    synthetic: option.choice(['netflix'], 'seeded Netflix Prize-shaped ratings'),
    scale: option.number('fraction of the Netflix users and ratings', {
      min: 0,
      aboveMin: true,
      max: 1,
      defaultValue: 1,
    }),
    k: option.int('clusters', { min: 1, max: 10_000, defaultValue: DEFAULT_MODEL_SETTINGS.k }),
    seed: option.int('seed of the data and of k-means', {
      defaultValue: DEFAULT_MODEL_SETTINGS.seed,
    }),
    restarts: option.int('k-means++ starts, best inertia kept (n_init for sklearn)', {
      min: 1,
      max: 100,
      defaultValue: DEFAULT_MODEL_SETTINGS.restarts,
    }),
    tolerance: option.number("relative tolerance, as scikit-learn's tol", {
      min: 0,
      defaultValue: 1e-4,
    }),
    values: option.choice(MATRIX_VALUES, 'how ratings become matrix values', {
      defaultValue: DEFAULT_MODEL_SETTINGS.values,
    }),
    'no-normalize': option.flag(
      "keep each user's row as it is (default: unit length, as the worker)",
    ),
    threads: option.int('worker threads (default: all cores; 1 under a million ratings)', {
      min: 1,
      max: 256,
    }),
    'no-sklearn': option.flag('skip the scikit-learn run'),
    ...alsOptions(
      'also train ALS on the raw ratings, before k-means (as the worker with RECLUSTER_ALS=true)',
    ),
  },
  check: (args) =>
    (args.ratings === undefined) === (args.synthetic === undefined)
      ? 'give exactly one of --ratings FILE and --synthetic netflix'
      : undefined,
  notes: `The last stdout line is JSON: users, movies, ratings, k, seconds, iterations, inertia, peakRssMb,
and sklearnSeconds, sklearnInertia, ratio (seconds / sklearnSeconds) when scikit-learn ran; with
--als also alsSeconds, alsFactors, alsIterations, alsRegularization and alsPeakRssMb (the peak
after ALS, before k-means; peakRssMb is the whole run's).`,
});

command.run(
  async (args) => {
    const valueSettings = {
      values: args.values,
      favouriteMinRating: DEFAULT_MODEL_SETTINGS.favouriteMinRating,
    };
    let buildStarted = performance.now();
    const ratings = args.ratings
      ? await fromFile(args.ratings)
      : fromSynthetic(args.scale, args.seed);
    let buildSeconds = (performance.now() - buildStarted) / 1000;
    // ALS trains on the raw ratings, which k-means's matrix values then replace in place.
    const als = args.als
      ? await runAls(ratings, {
          factors: args['als-factors'],
          iterations: args['als-iterations'],
          seed: args.seed,
          ...(args.threads === undefined ? {} : { threads: args.threads }),
        })
      : undefined;
    buildStarted = performance.now();
    const { matrix } = ratings;
    applyMatrixValues(matrix, valueSettings);
    if (!args['no-normalize']) normalizeRows(matrix);
    buildSeconds += (performance.now() - buildStarted) / 1000;
    log(
      `matrix ${matrix.rows} x ${matrix.cols}, ${nonZeros(matrix)} ratings, built in ${buildSeconds.toFixed(1)} s`,
    );

    const bar = progressBar('k-means', ' iterations | restart {restart} | moved {changed}');
    bar.start(args.restarts * 300, 0, { restart: 1, changed: '-' });
    let step = 0;
    const started = performance.now();
    const result = await sparseKMeans(matrix, {
      k: args.k,
      seed: args.seed,
      restarts: args.restarts,
      tolerance: args.tolerance,
      ...(args.threads === undefined ? {} : { threads: args.threads }),
      onIteration: ({ restart, changed }) => {
        bar.update(++step, { restart: restart + 1, changed });
      },
    });
    const seconds = (performance.now() - started) / 1000;
    bar.stop();
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    log(
      `k-means: ${seconds.toFixed(2)} s, inertia ${result.inertia.toPrecision(8)}, restarts ${result.restartInertias.map((x) => x.toPrecision(6)).join(' ')}`,
    );

    const report: Record<string, unknown> = {
      source: args.ratings ?? `synthetic-netflix@${args.scale}`,
      users: matrix.rows,
      movies: matrix.cols,
      ratings: nonZeros(matrix),
      values: args.values,
      normalized: !args['no-normalize'],
      k: args.k,
      restarts: args.restarts,
      tolerance: args.tolerance,
      buildSeconds: round(buildSeconds),
      seconds: round(seconds),
      iterations: result.iterations,
      inertia: result.inertia,
      peakRssMb,
      ...als,
    };
    if (!args['no-sklearn']) {
      const peer = runSklearn(matrix, args);
      if (peer) {
        Object.assign(report, {
          sklearnVersion: peer.version,
          sklearnSeconds: round(peer.seconds),
          sklearnIterations: peer.iterations,
          sklearnInertia: peer.inertia,
          ratio: round(seconds / peer.seconds),
          inertiaRatio: round(result.inertia / peer.inertia, 5),
        });
      }
    }
    process.stdout.write(`${JSON.stringify(report)}\n`);
  },
  [MovieLensFileError],
);

/** The ratings as they are, 0.5 to 5: what ALS trains on, before k-means's values. */
async function fromFile(path: string): Promise<RatingMatrix> {
  const columns = await readRatingColumns(path);
  return buildRatingMatrix(columns, {
    values: 'raw',
    favouriteMinRating: DEFAULT_MODEL_SETTINGS.favouriteMinRating,
  });
}

function fromSynthetic(scale: number, seed: number): RatingMatrix {
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

/** ALS on the raw ratings, timed, with the process's peak memory once it is done. */
async function runAls(
  ratings: RatingMatrix,
  settings: { factors: number; iterations: number; seed: number; threads?: number },
): Promise<Record<string, number>> {
  const { threads, ...als } = settings;
  log(`ALS: ${als.factors} factors, ${als.iterations} alternations`);
  const started = performance.now();
  const model = await trainAls(ratings, als, threads === undefined ? {} : { threads });
  const seconds = (performance.now() - started) / 1000;
  log(`ALS: ${seconds.toFixed(2)} s`);
  return {
    alsSeconds: round(seconds),
    alsFactors: model.factors,
    alsIterations: model.settings.iterations,
    alsRegularization: model.settings.regularization,
    alsPeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

interface PeerResult {
  seconds: number;
  inertia: number;
  iterations: number;
  version: string;
}

/** scikit-learn on the same matrix, or undefined when it is not installed. */
function runSklearn(
  matrix: CsrMatrix,
  args: { k: number; restarts: number; tolerance: number; seed: number },
): PeerResult | undefined {
  const probe = spawnSync(SKLEARN_PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' });
  if (probe.status !== 0) {
    log(`scikit-learn not found for ${SKLEARN_PYTHON} (apt-get install python3-sklearn): skipped`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'recluster-bench-'));
  try {
    writeFileSync(
      join(dir, 'meta.json'),
      JSON.stringify({ rows: matrix.rows, cols: matrix.cols, nnz: nonZeros(matrix) }),
    );
    writeFileSync(
      join(dir, 'indptr.i32'),
      new Uint8Array(matrix.rowPtr.buffer, 0, 4 * (matrix.rows + 1)),
    );
    writeFileSync(
      join(dir, 'indices.i32'),
      new Uint8Array(matrix.colIndices.buffer, 0, 4 * nonZeros(matrix)),
    );
    writeFileSync(
      join(dir, 'data.f32'),
      new Uint8Array(matrix.values.buffer, 0, 4 * nonZeros(matrix)),
    );
    log('scikit-learn: fitting the same matrix');
    const run = spawnSync(
      SKLEARN_PYTHON,
      [
        join(__dirname, '../../bench/sklearn_kmeans.py'),
        '--dir',
        dir,
        '--k',
        String(args.k),
        '--n-init',
        String(args.restarts),
        '--tol',
        String(args.tolerance),
        '--seed',
        String(args.seed),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
    );
    if (run.status !== 0)
      throw new Error(`scikit-learn run failed with status ${String(run.status)}`);
    const lines = run.stdout.trim().split('\n');
    return JSON.parse(lines.at(-1) ?? '{}') as PeerResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (value: number, digits = 3): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};
