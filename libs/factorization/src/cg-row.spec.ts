import { seededRandom } from '@app/clustering';
import { CgScratch, solveRowCg } from './cg-row';
import { type HalfStep, RowScratch, solveRow } from './solve-row';

/**
 * One factor, two fixed movies: ỹ = (1, 1) rated 2 and ỹ = (0, 1) rated 1, μ = 0, no biases,
 * λ = 0.5 over 2 ratings. So A = [[1, 1], [1, 1]] + [[0, 0], [0, 1]] + I = [[2, 1], [1, 3]],
 * rhs = 2·(1, 1) + 1·(0, 1) = (2, 3), and the solution is A⁻¹ rhs = (3, 4) / 5.
 */
const handWorked = {
  step: {
    factors: 1,
    globalMean: 0,
    regularization: 0.5,
    fixedFactors: Float32Array.from([1, 0]),
    fixedBiases: Float32Array.from([0, 0]),
  } satisfies HalfStep,
  columns: Int32Array.from([0, 1]),
  values: Float32Array.from([2, 1]),
};

/** solveRowCg on the hand-worked row from `start`, `steps` steps. */
function solveHandWorked(start: readonly number[], steps: number): number[] {
  const { step, columns, values } = handWorked;
  const scratch = new CgScratch(1);
  scratch.solution.set(start);
  return Array.from(solveRowCg(step, columns, values, 0, 2, steps, scratch));
}

/** A row of `ratings` ratings of random fixed movies with random factors and biases. */
function randomRow(factors: number, ratings: number, seed: number) {
  const random = seededRandom(seed);
  const movies = 2 * ratings;
  const step: HalfStep = {
    factors,
    globalMean: 3.5,
    regularization: 0.05,
    fixedFactors: Float32Array.from({ length: movies * factors }, () => random() - 0.5),
    fixedBiases: Float32Array.from({ length: movies }, () => random() - 0.5),
  };
  const columns = Int32Array.from({ length: ratings }, (_, i) => 2 * i + (random() < 0.5 ? 1 : 0));
  const values = Float32Array.from({ length: ratings }, () => 1 + Math.floor(5 * random()));
  const exact = solveRow(step, columns, values, 0, ratings, new RowScratch(factors)).slice();
  return { step, columns, values, exact };
}

const distance = (x: ArrayLike<number>, y: ArrayLike<number>): number =>
  Math.hypot(...Array.from(x, (v, a) => v - (y[a] ?? 0)));

describe(solveRowCg.name, () => {
  it('takes the steepest-descent step first, then reaches the exact solution of two unknowns', () => {
    // From 0: r = (2, 3), A r = (7, 11), step r·r / r·A r = 13 / 47, so z = 13/47 · (2, 3).
    expect(solveHandWorked([0, 0], 1)).toEqual([
      expect.closeTo(26 / 47, 14),
      expect.closeTo(39 / 47, 14),
    ]);
    expect(solveHandWorked([0, 0], 2)).toEqual([expect.closeTo(0.6, 14), expect.closeTo(0.8, 14)]);
    // Solved: further steps are not taken, so they cannot divide 0 by 0.
    expect(solveHandWorked([0, 0], 10)).toEqual([expect.closeTo(0.6, 14), expect.closeTo(0.8, 14)]);
  });

  it('leaves a start that already solves the row as it is', () => {
    const { step, columns, values } = handWorked;
    const exact = solveRow(step, columns, values, 0, 2, new RowScratch(1)).slice();
    expect(solveHandWorked(Array.from(exact), 3)).toEqual(Array.from(exact));
  });

  it('gives the exact solution of a row with enough steps, over more ratings than it takes at once', () => {
    for (const ratings of [1, 7, 8, 29]) {
      const { step, columns, values, exact } = randomRow(5, ratings, ratings);
      const solution = solveRowCg(step, columns, values, 0, ratings, 30, new CgScratch(5));
      expect(distance(solution, exact)).toBeLessThan(1e-9);
    }
  });

  it('ends nearer the solution from a nearer start, and nearer with every step', () => {
    const { step, columns, values, exact } = randomRow(6, 40, 3);
    const scratch = new CgScratch(6);
    const errorAfter = (start: ArrayLike<number>, steps: number): number => {
      scratch.solution.set(start);
      return distance(solveRowCg(step, columns, values, 0, 40, steps, scratch), exact);
    };
    const zero = new Float64Array(7);
    const near = exact.map((v, a) => v + (a % 2 === 0 ? 0.01 : -0.01));
    expect(errorAfter(near, 1)).toBeLessThan(errorAfter(zero, 1));
    const errors = [0, 1, 2, 3].map((steps) => errorAfter(zero, steps));
    for (let k = 1; k < errors.length; k++) expect(errors[k]).toBeLessThan(errors[k - 1]!);
  });

  it('gives zeros to a row without ratings, whatever its start', () => {
    const scratch = new CgScratch(1);
    scratch.solution.fill(7);
    const { step } = handWorked;
    expect(
      Array.from(solveRowCg(step, new Int32Array(0), new Float32Array(0), 0, 0, 3, scratch)),
    ).toEqual([0, 0]);
  });
});
