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

/** Work space of one row's solve, sized once per thread for a factor count. */
export class RowScratch {
  /** The (factors + 1)² normal equations, lower triangle only. */
  readonly gram: Float64Array;
  /** The right-hand side, then the solution: factors first, bias last. */
  readonly solution: Float64Array;
  /** The fixed side's row augmented with a constant 1, which multiplies the bias. */
  readonly augmented: Float64Array;

  constructor(readonly factors: number) {
    const n = factors + 1;
    this.gram = new Float64Array(n * n);
    this.solution = new Float64Array(n);
    this.augmented = new Float64Array(n);
  }
}

/**
 * The kernel of every solve, training's and fold-in's: the least-squares factors and bias of one
 * row given its ratings (columns[start..end) of the fixed side, with values), minimising
 *   Σ (r − μ − b_other − x·y_other − b)² + λ·n·(|x|² + b²)
 * through the normal equations (Σ ỹ ỹᵀ + λ·n·I) (x, b) = Σ (r − μ − b_other) ỹ, with ỹ = (y, 1).
 * Returns scratch.solution, (x, b); all zeros for a row with no ratings, whose minimiser that is.
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
  const { gram, solution, augmented } = scratch;
  const n = factors + 1;
  gram.fill(0);
  solution.fill(0);
  if (end <= start) return solution;
  augmented[factors] = 1;
  for (let p = start; p < end; p++) {
    const other = columns[p] ?? 0;
    const base = other * factors;
    for (let a = 0; a < factors; a++) augmented[a] = fixedFactors[base + a] ?? 0;
    const target = (values[p] ?? 0) - globalMean - (fixedBiases[other] ?? 0);
    for (let a = 0; a < n; a++) {
      const ya = augmented[a] ?? 0;
      solution[a] = (solution[a] ?? 0) + ya * target;
      const row = a * n;
      for (let b = 0; b <= a; b++) gram[row + b] = (gram[row + b] ?? 0) + ya * (augmented[b] ?? 0);
    }
  }
  const ridge = step.regularization * (end - start);
  for (let a = 0; a < n; a++) gram[a * n + a] = (gram[a * n + a] ?? 0) + ridge;
  choleskySolve(gram, solution, n);
  return solution;
}
