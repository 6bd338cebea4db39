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
    accumulateBlock(block, targets, size, n, gram, solution);
  }
  const ridge = step.regularization * (end - start);
  for (let a = 0; a < n; a++) gram[a * n + a] = (gram[a * n + a] ?? 0) + ridge;
  choleskySolve(gram, solution, n);
  return solution;
}

/**
 * Adds one block's share to the normal equations: gram's lower triangle gets Σ ỹ_a ỹ_b, the
 * right-hand side Σ ỹ_a t, over the block's `size` ratings. Two rows of the triangle by four
 * columns a pass, eight sums in registers: each pass loads six values for eight products.
 */
function accumulateBlock(
  block: Float64Array,
  targets: Float64Array,
  size: number,
  n: number,
  gram: Float64Array,
  solution: Float64Array,
): void {
  let a = 0;
  for (; a + 1 < n; a += 2) {
    const c0 = a * BLOCK;
    const c1 = c0 + BLOCK;
    let r0 = 0;
    let r1 = 0;
    for (let i = 0; i < size; i++) {
      const t = targets[i] ?? 0;
      r0 += (block[c0 + i] ?? 0) * t;
      r1 += (block[c1 + i] ?? 0) * t;
    }
    solution[a] = (solution[a] ?? 0) + r0;
    solution[a + 1] = (solution[a + 1] ?? 0) + r1;
    const row0 = a * n;
    const row1 = row0 + n;
    let b = 0;
    for (; b + 3 <= a; b += 4) {
      const d = b * BLOCK;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let i = 0; i < size; i++) {
        const x0 = block[c0 + i] ?? 0;
        const x1 = block[c1 + i] ?? 0;
        const y0 = block[d + i] ?? 0;
        const y1 = block[d + BLOCK + i] ?? 0;
        const y2 = block[d + 2 * BLOCK + i] ?? 0;
        const y3 = block[d + 3 * BLOCK + i] ?? 0;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      gram[row0 + b] = (gram[row0 + b] ?? 0) + s00;
      gram[row0 + b + 1] = (gram[row0 + b + 1] ?? 0) + s01;
      gram[row0 + b + 2] = (gram[row0 + b + 2] ?? 0) + s02;
      gram[row0 + b + 3] = (gram[row0 + b + 3] ?? 0) + s03;
      gram[row1 + b] = (gram[row1 + b] ?? 0) + s10;
      gram[row1 + b + 1] = (gram[row1 + b + 1] ?? 0) + s11;
      gram[row1 + b + 2] = (gram[row1 + b + 2] ?? 0) + s12;
      gram[row1 + b + 3] = (gram[row1 + b + 3] ?? 0) + s13;
    }
    // The rest of both rows: row a ends at column a, row a + 1 at a + 1.
    for (; b <= a + 1; b++) {
      const d = b * BLOCK;
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < size; i++) {
        const y = block[d + i] ?? 0;
        s0 += (block[c0 + i] ?? 0) * y;
        s1 += (block[c1 + i] ?? 0) * y;
      }
      if (b <= a) gram[row0 + b] = (gram[row0 + b] ?? 0) + s0;
      gram[row1 + b] = (gram[row1 + b] ?? 0) + s1;
    }
  }
  // An odd last row, alone.
  if (a < n) {
    const c0 = a * BLOCK;
    let r0 = 0;
    for (let i = 0; i < size; i++) r0 += (block[c0 + i] ?? 0) * (targets[i] ?? 0);
    solution[a] = (solution[a] ?? 0) + r0;
    const row0 = a * n;
    for (let b = 0; b <= a; b++) {
      const d = b * BLOCK;
      let s0 = 0;
      for (let i = 0; i < size; i++) s0 += (block[c0 + i] ?? 0) * (block[d + i] ?? 0);
      gram[row0 + b] = (gram[row0 + b] ?? 0) + s0;
    }
  }
}
