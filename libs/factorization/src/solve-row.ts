import { choleskySolve } from './cholesky';

/**
 * One half-step's fixed side: the factor rows and biases of the side not being solved (movies
 * when users are solved), with what every row's system shares.
 */
export interface HalfStep {
  factors: number;
  globalMean: number;
  regularization: number;
  /** Row-major, fixedFactors[other * factors + a]. */
  fixedFactors: Float32Array;
  fixedBiases: Float32Array;
}

/** Ratings gathered per block: the block's fixed rows fit in a core's cache. */
const BLOCK = 256;

/** Work space of one row's solve, sized once per thread for a factor count. */
export class RowScratch {
  /** The (factors + 1)² normal equations, lower triangle only. */
  readonly gram: Float64Array;
  /** The right-hand side, then the solution: factors first, bias last. */
  readonly solution: Float64Array;
  /**
   * A block of the fixed side's rows, augmented with a constant 1 (which multiplies the bias),
   * column by column: coordinate a of the block's rating i is at a * BLOCK + i, so every entry of
   * the normal equations is a dot product of two contiguous columns.
   */
  readonly block: Float64Array;
  /** The block's targets, r − μ − b_other. */
  readonly targets: Float64Array;

  constructor(readonly factors: number) {
    const n = factors + 1;
    this.gram = new Float64Array(n * n);
    this.solution = new Float64Array(n);
    this.block = new Float64Array(n * BLOCK);
    this.targets = new Float64Array(BLOCK);
  }
}

/**
 * The kernel of every solve, training's and fold-in's: the least-squares factors and bias of one
 * row given its ratings (columns[start..end) of the fixed side, with values), minimising
 *   Σ (r − μ − b_other − x·y_other − b)² + λ·n·(|x|² + b²)
 * through the normal equations (Σ ỹ ỹᵀ + λ·n·I) (x, b) = Σ (r − μ − b_other) ỹ, with ỹ = (y, 1).
 * The sums are taken a block of ratings at a time, each entry as a dot product of two columns of
 * the block, which keeps the sums in registers rather than in memory. Returns scratch.solution,
 * (x, b); all zeros for a row with no ratings, whose minimiser that is.
 */
export function solveRow(
  step: HalfStep,
  columns: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  scratch: RowScratch,
): Float64Array {
  const { factors, fixedFactors, fixedBiases, globalMean } = step;
  const { gram, solution, block, targets } = scratch;
  const n = factors + 1;
  gram.fill(0);
  solution.fill(0);
  if (end <= start) return solution;
  block.fill(1, factors * BLOCK, n * BLOCK);
  for (let from = start; from < end; from += BLOCK) {
    const size = Math.min(BLOCK, end - from);
    for (let i = 0; i < size; i++) {
      const other = columns[from + i] ?? 0;
      const base = other * factors;
      for (let a = 0; a < factors; a++) block[a * BLOCK + i] = fixedFactors[base + a] ?? 0;
      targets[i] = (values[from + i] ?? 0) - globalMean - (fixedBiases[other] ?? 0);
    }
    for (let a = 0; a < n; a++) {
      const columnA = a * BLOCK;
      let right = 0;
      for (let i = 0; i < size; i++) right += (block[columnA + i] ?? 0) * (targets[i] ?? 0);
      solution[a] = (solution[a] ?? 0) + right;
      const row = a * n;
      let b = 0;
      // Four entries of the row per pass over the block: each of column a's values is loaded once
      // for four products.
      for (; b + 3 <= a; b += 4) {
        const c0 = b * BLOCK;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < size; i++) {
          const x = block[columnA + i] ?? 0;
          s0 += x * (block[c0 + i] ?? 0);
          s1 += x * (block[c0 + BLOCK + i] ?? 0);
          s2 += x * (block[c0 + 2 * BLOCK + i] ?? 0);
          s3 += x * (block[c0 + 3 * BLOCK + i] ?? 0);
        }
        gram[row + b] = (gram[row + b] ?? 0) + s0;
        gram[row + b + 1] = (gram[row + b + 1] ?? 0) + s1;
        gram[row + b + 2] = (gram[row + b + 2] ?? 0) + s2;
        gram[row + b + 3] = (gram[row + b + 3] ?? 0) + s3;
      }
      for (; b <= a; b++) {
        const columnB = b * BLOCK;
        let sum = 0;
        for (let i = 0; i < size; i++) sum += (block[columnA + i] ?? 0) * (block[columnB + i] ?? 0);
        gram[row + b] = (gram[row + b] ?? 0) + sum;
      }
    }
  }
  const ridge = step.regularization * (end - start);
  for (let a = 0; a < n; a++) gram[a * n + a] = (gram[a * n + a] ?? 0) + ridge;
  choleskySolve(gram, solution, n);
  return solution;
}
