import { type HalfStep } from './solve-row';

/**
 * A solve stops before its step budget once |rhs − A z| ≤ SOLVED_WITHIN · λ·n: every eigenvalue
 * of A is at least λ·n, so z is then within SOLVED_WITHIN of the exact solution, finer than a
 * float32 factor keeps. This also ends the solve of a row whose Krylov space is used up (a row of
 * n ratings has at most n + 1 distinct eigenvalues) before a zero direction would divide by zero.
 */
const SOLVED_WITHIN = 1e-9;

/** Work space of one row's conjugate-gradient solve, sized once per thread for a factor count. */
export class CgScratch {
  /** The start on entry, then the solution: factors first, bias last. */
  readonly solution: Float64Array;
  /** rhs − A·solution. */
  readonly residual: Float64Array;
  readonly direction: Float64Array;
  /** A·direction. */
  readonly product: Float64Array;

  constructor(readonly factors: number) {
    const n = factors + 1;
    this.solution = new Float64Array(n);
    this.residual = new Float64Array(n);
    this.direction = new Float64Array(n);
    this.product = new Float64Array(n);
  }
}

/**
 * solveRow's least-squares problem, (Σ ỹ ỹᵀ + λ·n·I) z = Σ (r − μ − b_other) ỹ with z = (x, b),
 * solved approximately by at most `steps` conjugate-gradient steps from the start the caller puts
 * in scratch.solution (in training, the row's values from the previous alternation). A is never
 * formed: each step takes A v as Yᵀ(Y v) + λ·n·v in one pass over the row's ratings, 2(f+1)
 * multiply-adds a rating where the normal equations take (f+1)(f+2)/2, and the start's residual
 * takes one pass more. The fixed rows are read where they are, not gathered: the first pass
 * brings a row's fixed rows into cache for the next. Returns scratch.solution; all zeros for a
 * row with no ratings.
 */
export function solveRowCg(
  step: HalfStep,
  columns: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  steps: number,
  scratch: CgScratch,
): Float64Array {
  const n = step.factors + 1;
  const { solution, residual, direction, product } = scratch;
  if (end <= start) return solution.fill(0);
  const ridge = step.regularization * (end - start);

  // rhs − A z = Yᵀ(t − Y z) − λ·n·z.
  residual.fill(0);
  addProjection(step, columns, values, start, end, 1, solution, residual);
  let squared = 0;
  for (let a = 0; a < n; a++) {
    const r = (residual[a] ?? 0) - ridge * (solution[a] ?? 0);
    residual[a] = r;
    direction[a] = r;
    squared += r * r;
  }

  const solved = (SOLVED_WITHIN * ridge) ** 2;
  for (let k = 0; k < steps && squared > solved; k++) {
    // A p = λ·n·p − Yᵀ(0 − Y p).
    product.fill(0);
    addProjection(step, columns, values, start, end, 0, direction, product);
    let curvature = 0;
    for (let a = 0; a < n; a++) {
      const p = direction[a] ?? 0;
      const q = ridge * p - (product[a] ?? 0);
      product[a] = q;
      curvature += p * q;
    }
    const length = squared / curvature;
    let next = 0;
    for (let a = 0; a < n; a++) {
      solution[a] = (solution[a] ?? 0) + length * (direction[a] ?? 0);
      const r = (residual[a] ?? 0) - length * (product[a] ?? 0);
      residual[a] = r;
      next += r * r;
    }
    const keep = next / squared;
    squared = next;
    for (let a = 0; a < n; a++) direction[a] = (residual[a] ?? 0) + keep * (direction[a] ?? 0);
  }
  return solution;
}

/**
 * Adds Yᵀ(w·t − Y v) to out, over ratings [start, end), with ỹ = (y, 1) the fixed row and bias
 * and t = r − μ − b_other: w = 1 gives a residual, w = 0 minus a product with Yᵀ Y. Eight ratings
 * a pass, so that each coordinate of v and of out is loaded once for eight products.
 */
function addProjection(
  step: HalfStep,
  columns: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  targetWeight: 0 | 1,
  v: Float64Array,
  out: Float64Array,
): void {
  const { factors, fixedFactors: y, fixedBiases, globalMean } = step;
  const target = (p: number, other: number): number =>
    targetWeight === 0 ? 0 : (values[p] ?? 0) - globalMean - (fixedBiases[other] ?? 0);
  const bias = v[factors] ?? 0;
  let biasSum = 0;
  let p = start;
  for (; p + 7 < end; p += 8) {
    const o0 = columns[p] ?? 0;
    const o1 = columns[p + 1] ?? 0;
    const o2 = columns[p + 2] ?? 0;
    const o3 = columns[p + 3] ?? 0;
    const o4 = columns[p + 4] ?? 0;
    const o5 = columns[p + 5] ?? 0;
    const o6 = columns[p + 6] ?? 0;
    const o7 = columns[p + 7] ?? 0;
    const y0 = o0 * factors;
    const y1 = o1 * factors;
    const y2 = o2 * factors;
    const y3 = o3 * factors;
    const y4 = o4 * factors;
    const y5 = o5 * factors;
    const y6 = o6 * factors;
    const y7 = o7 * factors;
    let w0 = target(p, o0) - bias;
    let w1 = target(p + 1, o1) - bias;
    let w2 = target(p + 2, o2) - bias;
    let w3 = target(p + 3, o3) - bias;
    let w4 = target(p + 4, o4) - bias;
    let w5 = target(p + 5, o5) - bias;
    let w6 = target(p + 6, o6) - bias;
    let w7 = target(p + 7, o7) - bias;
    for (let a = 0; a < factors; a++) {
      const va = v[a] ?? 0;
      w0 -= (y[y0 + a] ?? 0) * va;
      w1 -= (y[y1 + a] ?? 0) * va;
      w2 -= (y[y2 + a] ?? 0) * va;
      w3 -= (y[y3 + a] ?? 0) * va;
      w4 -= (y[y4 + a] ?? 0) * va;
      w5 -= (y[y5 + a] ?? 0) * va;
      w6 -= (y[y6 + a] ?? 0) * va;
      w7 -= (y[y7 + a] ?? 0) * va;
    }
    for (let a = 0; a < factors; a++) {
      out[a] =
        (out[a] ?? 0) +
        (y[y0 + a] ?? 0) * w0 +
        (y[y1 + a] ?? 0) * w1 +
        (y[y2 + a] ?? 0) * w2 +
        (y[y3 + a] ?? 0) * w3 +
        (y[y4 + a] ?? 0) * w4 +
        (y[y5 + a] ?? 0) * w5 +
        (y[y6 + a] ?? 0) * w6 +
        (y[y7 + a] ?? 0) * w7;
    }
    biasSum += w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7;
  }
  // The last ratings, fewer than eight.
  for (; p < end; p++) {
    const o0 = columns[p] ?? 0;
    const y0 = o0 * factors;
    let w0 = target(p, o0) - bias;
    for (let a = 0; a < factors; a++) w0 -= (y[y0 + a] ?? 0) * (v[a] ?? 0);
    for (let a = 0; a < factors; a++) out[a] = (out[a] ?? 0) + (y[y0 + a] ?? 0) * w0;
    biasSum += w0;
  }
  out[factors] = (out[factors] ?? 0) + biasSum;
}
