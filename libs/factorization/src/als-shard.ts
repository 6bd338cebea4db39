import type { CsrMatrix } from '@app/clustering';
import { dot } from './als-model';
import { type AlsSolver } from './als-settings';
import { CgScratch, solveRowCg } from './cg-row';
import { type HalfStep, RowScratch, solveRow } from './solve-row';

/**
 * Everything the half-steps share, as views on SharedArrayBuffers: the coordinator and every
 * worker thread see the same memory, and each shard writes only its own rows.
 */
export interface AlsBuffers {
  /** User x movie ratings. */
  ratings: CsrMatrix;
  /** The same ratings movie x user, for the movie half-step. */
  byMovie: CsrMatrix;
  factors: number;
  regularization: number;
  globalMean: number;
  solver: AlsSolver;
  userFactors: Float32Array;
  userBiases: Float32Array;
  movieFactors: Float32Array;
  movieBiases: Float32Array;
}

export interface RowRange {
  start: number;
  end: number;
}

/** A shard's users and movies: contiguous ranges, solved by this shard alone. */
export interface ShardRanges {
  users: RowRange;
  movies: RowRange;
}

/** The solver a shard's rows are solved by, with its work space. */
type ShardSolver =
  { method: 'cholesky'; scratch: RowScratch } | { method: 'cg'; steps: number; scratch: CgScratch };

/**
 * The ALS work on one shard's rows. The same code runs in-process or inside a worker thread
 * (als.worker.ts), so there is one kernel for both. Each row's solve reads only the fixed side
 * and its own ratings, so the result does not depend on how rows are split over shards.
 */
export class AlsShard {
  private readonly solver: ShardSolver;
  private readonly userStep: HalfStep;
  private readonly movieStep: HalfStep;

  constructor(
    private readonly b: AlsBuffers,
    private readonly ranges: ShardRanges,
  ) {
    const { factors, globalMean, regularization } = b;
    this.solver =
      b.solver.method === 'cg'
        ? { ...b.solver, scratch: new CgScratch(factors) }
        : { ...b.solver, scratch: new RowScratch(factors) };
    const shared = { factors, globalMean, regularization };
    this.userStep = { ...shared, fixedFactors: b.movieFactors, fixedBiases: b.movieBiases };
    this.movieStep = { ...shared, fixedFactors: b.userFactors, fixedBiases: b.userBiases };
  }

  /** The user half-step on this shard's users, movies fixed. */
  solveUsers(): void {
    const { ratings, userFactors, userBiases } = this.b;
    this.solveRows(ratings, this.ranges.users, this.userStep, userFactors, userBiases);
  }

  /** The movie half-step on this shard's movies, users fixed. */
  solveMovies(): void {
    const { byMovie, movieFactors, movieBiases } = this.b;
    this.solveRows(byMovie, this.ranges.movies, this.movieStep, movieFactors, movieBiases);
  }

  /** Σ (r − r̂)² over the ratings of this shard's users. */
  squaredError(): number {
    const { ratings, factors, globalMean, userFactors, userBiases } = this.b;
    const { movieFactors, movieBiases } = this.b;
    const { rowPtr, colIndices, values } = ratings;
    let total = 0;
    for (let u = this.ranges.users.start; u < this.ranges.users.end; u++) {
      const userBase = globalMean + (userBiases[u] ?? 0);
      for (let p = rowPtr[u] ?? 0; p < (rowPtr[u + 1] ?? 0); p++) {
        const i = colIndices[p] ?? 0;
        const predicted =
          userBase +
          (movieBiases[i] ?? 0) +
          dot(userFactors, u * factors, movieFactors, i * factors, factors);
        const error = (values[p] ?? 0) - predicted;
        total += error * error;
      }
    }
    return total;
  }

  /**
   * Solves each row of the range against the fixed side and writes its factors and bias. CG
   * starts each row from the values it is about to replace: the previous alternation's (for the
   * first, zeros for movies and the initial factors for users).
   */
  private solveRows(
    matrix: CsrMatrix,
    range: RowRange,
    step: HalfStep,
    outFactors: Float32Array,
    outBiases: Float32Array,
  ): void {
    const { factors } = this.b;
    const { solver } = this;
    const { rowPtr, colIndices, values } = matrix;
    for (let r = range.start; r < range.end; r++) {
      const start = rowPtr[r] ?? 0;
      const end = rowPtr[r + 1] ?? 0;
      const base = r * factors;
      let solution: Float64Array;
      if (solver.method === 'cg') {
        const { steps, scratch } = solver;
        for (let a = 0; a < factors; a++) scratch.solution[a] = outFactors[base + a] ?? 0;
        scratch.solution[factors] = outBiases[r] ?? 0;
        solution = solveRowCg(step, colIndices, values, start, end, steps, scratch);
      } else {
        solution = solveRow(step, colIndices, values, start, end, solver.scratch);
      }
      for (let a = 0; a < factors; a++) outFactors[base + a] = solution[a] ?? 0;
      outBiases[r] = solution[factors] ?? 0;
    }
  }
}
