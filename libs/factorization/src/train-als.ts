import { availableParallelism } from 'node:os';
import {
  type CsrMatrix,
  nonZeros,
  type RatingMatrix,
  seededRandom,
  transpose,
} from '@app/clustering';
import { type AlsModel } from './als-model';
import { type AlsSettings, alsSettingsSchema, DEFAULT_ALS_SETTINGS } from './als-settings';
import { type AlsBuffers, type AlsShard, type RowRange, type ShardRanges } from './als-shard';
import { type ShardHandle, startShards } from './als-shards';
import { type AlsShardMethod } from './als.worker';

export interface AlsTrainOptions {
  /**
   * Worker threads (1 runs in-process): how a model is computed, not what it is, so not
   * recorded, and any count gives the same model. Defaults to the available cores, at most
   * MAX_DEFAULT_THREADS, or 1 below IN_PROCESS_RATINGS.
   */
  threads?: number;
  /** Called after each alternation with the training RMSE (computed only when this is given). */
  onIteration?: (iteration: number, trainRmse: number) => void;
}

/** Beyond four threads the Gram accumulation waits on memory more than on arithmetic. */
const MAX_DEFAULT_THREADS = 4;

/** Below this many ratings an iteration takes less than starting workers costs. */
const IN_PROCESS_RATINGS = 50_000;

/**
 * Trains r̂(u, i) = μ + b_u + b_i + p_u·q_i on explicit ratings by alternating least squares:
 * each iteration solves every movie's (q_i, b_i) with users fixed, then every user's (p_u, b_u)
 * with movies fixed, by the settings' solver: a few conjugate-gradient steps from the previous
 * alternation's values (solveRowCg), or exactly (solveRow). Users are solved last so that, with
 * the exact solver, a trained user's factors are exactly what foldInUser gives for the same
 * ratings against the final movies; CG's are an approximation of that solve.
 */
export async function trainAls(
  ratings: RatingMatrix,
  settings: Partial<AlsSettings> = {},
  options: AlsTrainOptions = {},
): Promise<AlsModel> {
  const resolved = alsSettingsSchema.parse({ ...DEFAULT_ALS_SETTINGS, ...definedOnly(settings) });
  const { matrix } = ratings;
  const threads = options.threads ?? defaultThreads(nonZeros(matrix));
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  }
  const buffers = allocateBuffers(matrix, resolved);
  initializeUserFactors(buffers.userFactors, resolved);
  const shards = await startShards(buffers, shardRanges(buffers, threads));
  try {
    for (let iteration = 1; iteration <= resolved.iterations; iteration++) {
      await callAll(shards, 'solveMovies');
      await callAll(shards, 'solveUsers');
      if (options.onIteration !== undefined) {
        const squared = (await callAll(shards, 'squaredError')).reduce((a, x) => a + x, 0);
        options.onIteration(iteration, Math.sqrt(squared / Math.max(1, nonZeros(matrix))));
      }
    }
  } finally {
    await Promise.all(shards.map((s) => s.close()));
  }
  return {
    settings: resolved,
    globalMean: buffers.globalMean,
    factors: resolved.factors,
    userIds: ratings.userIds.slice(),
    movieIds: ratings.movieIds.slice(),
    // Copies off shared memory, so the model is ordinary data to store or send.
    userFactors: buffers.userFactors.slice(),
    userBiases: buffers.userBiases.slice(),
    movieFactors: buffers.movieFactors.slice(),
    movieBiases: buffers.movieBiases.slice(),
  };
}

const defaultThreads = (ratings: number): number =>
  ratings < IN_PROCESS_RATINGS ? 1 : Math.min(availableParallelism(), MAX_DEFAULT_THREADS);

function callAll<M extends AlsShardMethod>(
  shards: ShardHandle[],
  method: M,
): Promise<ReturnType<AlsShard[M]>[]> {
  return Promise.all(shards.map((s) => s.call(method)));
}

function allocateBuffers(matrix: CsrMatrix, settings: AlsSettings): AlsBuffers {
  const { factors, regularization } = settings;
  const solver = settings.solver ?? DEFAULT_ALS_SETTINGS.solver;
  const shared = (length: number): Float32Array =>
    new Float32Array(new SharedArrayBuffer(4 * length));
  return {
    ratings: matrix,
    byMovie: transpose(matrix),
    factors,
    regularization,
    globalMean: meanRating(matrix),
    solver,
    userFactors: shared(matrix.rows * factors),
    userBiases: shared(matrix.rows),
    movieFactors: shared(matrix.cols * factors),
    movieBiases: shared(matrix.cols),
  };
}

function meanRating(matrix: CsrMatrix): number {
  const count = nonZeros(matrix);
  let sum = 0;
  for (let p = 0; p < count; p++) sum += matrix.values[p] ?? 0;
  return count === 0 ? 0 : sum / count;
}

/**
 * Gaussian user factors of standard deviation 0.1/√factors (|p_u| ≈ 0.1), biases 0. The first
 * movie half-step reads only these, so movie factors need no start. Small, so the first solves
 * are dominated by the biases and the factors grow only where the ratings support them.
 */
function initializeUserFactors(userFactors: Float32Array, settings: AlsSettings): void {
  const random = seededRandom(settings.seed);
  const scale = 0.1 / Math.sqrt(settings.factors);
  for (let i = 0; i < userFactors.length; i++) {
    // Box-Muller; 1 - random() is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    userFactors[i] = scale * radius * Math.cos(2 * Math.PI * random());
  }
}

/** One user range and one movie range per thread, each side balanced on its own. */
function shardRanges(buffers: AlsBuffers, threads: number): ShardRanges[] {
  const rowCost = rowCostInRatings(buffers);
  const users = balancedRanges(buffers.ratings, threads, rowCost);
  const movies = balancedRanges(buffers.byMovie, threads, rowCost);
  return users.map((range, i) => ({ users: range, movies: movies[i] ?? { start: 0, end: 0 } }));
}

/**
 * A row's own work beside its ratings', in ratings. Cholesky: a rating adds (f+1)(f+2)/2 to the
 * normal equations and the solve costs about (f+1)³/6, as (f+1)/3 more ratings. CG: a step costs
 * 2(f+1) a rating and about 6(f+1) for the row's vector updates, as 3 more ratings.
 */
const rowCostInRatings = ({ solver, factors }: AlsBuffers): number =>
  solver.method === 'cg' ? 3 : (factors + 1) / 3;

/**
 * `parts` contiguous row ranges (some empty when rows are few) of about equal cost: a row costs
 * its ratings plus `rowCost`. Balancing on ratings alone would overload the shard with the
 * catalogue's many rarely rated movies.
 */
function balancedRanges(matrix: CsrMatrix, parts: number, rowCost: number): RowRange[] {
  const cost = (row: number): number => (matrix.rowPtr[row] ?? 0) + row * rowCost;
  const total = cost(matrix.rows);
  const ranges: RowRange[] = [];
  let start = 0;
  for (let i = 1; i <= parts; i++) {
    let end = matrix.rows;
    if (i < parts) {
      const target = (total * i) / parts;
      end = start;
      while (end < matrix.rows && cost(end) < target) end++;
    }
    ranges.push({ start, end });
    start = end;
  }
  return ranges;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
