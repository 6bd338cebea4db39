import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { progressBar, parseArguments, runCli, UsageError } from '@app/cli';
import {
  applyMatrixValues,
  buildRatingMatrix,
  type CsrMatrix,
  generateSyntheticRatings,
  MATRIX_VALUES,
  type MatrixValues,
  netflixShape,
  nonZeros,
  normalizeRows,
  type RatingMatrix,
  sparseKMeans,
} from '@app/clustering';
import { MovieLensFileError, readRatingColumns } from '@app/movielens';

const USAGE = `Usage: npm run bench:recluster -- (--ratings FILE | --synthetic netflix --scale S) [options]

Times the sparse k-means engine on a user x movie matrix and, in the same run, scikit-learn's
KMeans on the very same matrix with the same k, number of starts and tolerance (when Debian's
python3-sklearn is installed for /usr/bin/python3).

Input (one of):
  --ratings FILE         a MovieLens ratings file (ratings.csv, u.data or ratings.dat)
  --synthetic netflix    seeded Netflix Prize-shaped ratings (480,189 x 17,770, 100,480,507
                         ratings at scale 1; power-law popularity, latent taste groups)
  --scale S              fraction of the Netflix users and ratings, in (0, 1] (default 1)

Options:
  --k N                  clusters (default 20)
  --seed S               seed of the data and of k-means (default 1)
  --restarts N           k-means++ starts, best inertia kept (default 3; n_init for sklearn)
  --tolerance T          relative tolerance, as scikit-learn's tol (default 1e-4)
  --values V             centred | raw | binary | favourites (default centred)
  --no-normalize         keep each user's row as it is (default: unit length, as the worker)
  --threads N            worker threads (default: all cores; 1 under a million ratings)
  --no-sklearn           skip the scikit-learn run
  -h, --help             show this help

The last stdout line is JSON: users, movies, ratings, k, seconds, iterations, inertia, peakRssMb,
and sklearnSeconds, sklearnInertia, ratio (seconds / sklearnSeconds) when scikit-learn ran.`;

const SKLEARN_PYTHON = '/usr/bin/python3';

const argsSchema = z.object({
  ratings: z.string().optional(),
  synthetic: z.literal('netflix', { error: '--synthetic takes "netflix"' }).optional(),
  scale: z.coerce.number().gt(0).lte(1).default(1),
  k: z.coerce.number().int().positive().default(20),
  seed: z.coerce.number().int().nonnegative().default(1),
  restarts: z.coerce.number().int().positive().default(3),
  tolerance: z.coerce.number().nonnegative().default(1e-4),
  values: z.enum(MATRIX_VALUES).default('centred'),
  'no-normalize': z.boolean().default(false),
  threads: z.coerce.number().int().positive().optional(),
  'no-sklearn': z.boolean().default(false),
  help: z.boolean().default(false),
});

async function main(): Promise<void> {
  const { values: raw } = parseArgs({
    options: {
      ratings: { type: 'string' },
      synthetic: { type: 'string' },
      scale: { type: 'string' },
      k: { type: 'string' },
      seed: { type: 'string' },
      restarts: { type: 'string' },
      tolerance: { type: 'string' },
      values: { type: 'string' },
      'no-normalize': { type: 'boolean' },
      threads: { type: 'string' },
      'no-sklearn': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const args = parseArguments(argsSchema, raw);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if ((args.ratings === undefined) === (args.synthetic === undefined)) {
    throw new UsageError('give exactly one of --ratings FILE and --synthetic netflix');
  }

  const buildStarted = performance.now();
  const { matrix } = args.ratings
    ? await fromFile(args.ratings, args.values)
    : fromSynthetic(args.scale, args.seed, args.values);
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
    threads: args.threads,
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
}

async function fromFile(path: string, values: MatrixValues): Promise<RatingMatrix> {
  const columns = await readRatingColumns(path);
  return buildRatingMatrix(columns, { values });
}

function fromSynthetic(scale: number, seed: number, values: MatrixValues): RatingMatrix {
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

runCli(main, USAGE, [MovieLensFileError]);
