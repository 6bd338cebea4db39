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
  type MatrixValueSettings,
  netflixShape,
  nonZeros,
  normalizeRows,
  type RatingMatrix,
  sparseKMeans,
} from '@app/clustering';
import { MovieLensFileError, readRatingColumns } from '@app/movielens';

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
  },
  check: (args) =>
    (args.ratings === undefined) === (args.synthetic === undefined)
      ? 'give exactly one of --ratings FILE and --synthetic netflix'
      : undefined,
  notes: `The last stdout line is JSON: users, movies, ratings, k, seconds, iterations, inertia, peakRssMb,
and sklearnSeconds, sklearnInertia, ratio (seconds / sklearnSeconds) when scikit-learn ran.`,
});

command.run(
  async (args) => {
    const valueSettings = {
      values: args.values,
      favouriteMinRating: DEFAULT_MODEL_SETTINGS.favouriteMinRating,
    };
    const buildStarted = performance.now();
    const { matrix } = args.ratings
      ? await fromFile(args.ratings, valueSettings)
      : fromSynthetic(args.scale, args.seed, valueSettings);
    if (!args['no-normalize']) normalizeRows(matrix);
    const buildSeconds = (performance.now() - buildStarted) / 1000;
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

async function fromFile(path: string, values: MatrixValueSettings): Promise<RatingMatrix> {
  const columns = await readRatingColumns(path);
  return buildRatingMatrix(columns, values);
}

function fromSynthetic(scale: number, seed: number, values: MatrixValueSettings): RatingMatrix {
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
  applyMatrixValues(generated.matrix, values);
  return generated;
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
