import {
  buildRatingMatrix,
  generateSyntheticRatings,
  type RatingMatrix,
  seededRandom,
} from '@app/clustering';
import { type AlsModel, movieColumnOf, predictAls, userRowOf } from './als-model';
import { alsSettingsSchema, type AlsSolver, DEFAULT_ALS_SETTINGS } from './als-settings';
import { choleskySolve } from './cholesky';
import { foldInUser, predictFolded } from './fold-in';
import { RowScratch, solveRow } from './solve-row';
import { trainAls } from './train-als';

/** The matrix of (user, movie, rating) triples, as the services build it. */
function matrixOf(triples: readonly (readonly [number, number, number])[]): RatingMatrix {
  return buildRatingMatrix(
    {
      userIds: Float64Array.from(triples, ([u]) => u),
      movieIds: Float64Array.from(triples, ([, m]) => m),
      ratings: Float32Array.from(triples, ([, , r]) => r),
    },
    { values: 'raw', favouriteMinRating: 4 },
  );
}

/** A user's training ratings, movie id -> rating, read back from the matrix. */
function ratingsOfRow(ratings: RatingMatrix, row: number): Map<number, number> {
  const { rowPtr, colIndices, values } = ratings.matrix;
  const map = new Map<number, number>();
  for (let p = rowPtr[row]!; p < rowPtr[row + 1]!; p++) {
    map.set(ratings.movieIds[colIndices[p]!]!, values[p]!);
  }
  return map;
}

describe('choleskySolve', () => {
  it('solves a symmetric positive definite system worked by hand', () => {
    // A = [[4, 2, 2], [2, 5, 3], [2, 3, 6]], x = (1, 2, 3), so b = A x = (14, 21, 26).
    // Only the lower triangle is read: the upper one holds values that would change the answer.
    const matrix = Float64Array.from([4, 99, 99, 2, 5, 99, 2, 3, 6]);
    const rhs = Float64Array.from([14, 21, 26]);
    choleskySolve(matrix, rhs, 3);
    expect(Array.from(rhs)).toEqual([
      expect.closeTo(1, 12),
      expect.closeTo(2, 12),
      expect.closeTo(3, 12),
    ]);
    // L of A: L00 = 2, L10 = 1, L11 = 2, L20 = 1, L21 = 1, L22 = 2.
    expect([matrix[0], matrix[3], matrix[4], matrix[6], matrix[7], matrix[8]]).toEqual([
      2, 1, 2, 1, 1, 2,
    ]);
  });

  it('refuses a matrix that is not positive definite', () => {
    const matrix = Float64Array.from([1, 0, 2, 1]);
    expect(() => {
      choleskySolve(matrix, new Float64Array(2), 2);
    }).toThrow(/not positive definite: pivot 1/);
  });
});

describe('solveRow', () => {
  it('returns the exact minimiser of one row’s regularised squared error', () => {
    const factors = 3;
    const random = seededRandom(5);
    const fixedFactors = Float32Array.from({ length: 6 * factors }, () => random() - 0.5);
    const fixedBiases = Float32Array.from({ length: 6 }, () => random() - 0.5);
    const step = { factors, globalMean: 3.5, regularization: 0.1, fixedFactors, fixedBiases };
    const columns = Int32Array.from([0, 2, 3, 5]);
    const values = Float32Array.from([5, 1, 4, 2]);
    const solution = solveRow(step, columns, values, 0, 4, new RowScratch(factors));

    // At the minimiser of Σ (r − μ − b_o − x·y − b)² + λ·n·(|x|² + b²) the gradient is zero:
    // for every coordinate a of z = (x, b), Σ −e ỹ_a + λ·n·z_a = 0, with e the residual.
    const gradient = new Float64Array(factors + 1);
    for (let p = 0; p < 4; p++) {
      const other = columns[p]!;
      const y = [...fixedFactors.subarray(other * factors, (other + 1) * factors), 1];
      const predicted = y.reduce((sum, ya, a) => sum + ya * solution[a]!, 0);
      const residual = values[p]! - step.globalMean - fixedBiases[other]! - predicted;
      y.forEach((ya, a) => (gradient[a] = gradient[a]! - residual * ya));
    }
    for (let a = 0; a <= factors; a++) {
      gradient[a] = gradient[a]! + step.regularization * 4 * solution[a]!;
      expect(gradient[a]).toBeCloseTo(0, 10);
    }
    expect(solution.some((v) => Math.abs(v) > 0.01)).toBe(true);
  });

  it('gives zeros to a row without ratings', () => {
    const step = {
      factors: 2,
      globalMean: 3,
      regularization: 0.1,
      fixedFactors: new Float32Array(4).fill(1),
      fixedBiases: new Float32Array(2).fill(1),
    };
    const scratch = new RowScratch(2);
    scratch.solution.fill(7);
    expect(
      Array.from(solveRow(step, new Int32Array(0), new Float32Array(0), 0, 0, scratch)),
    ).toEqual([0, 0, 0]);
  });
});

/** Under Jest each worker compiles the TypeScript sources as it starts: seconds when busy. */
const WORKER_TEST_TIMEOUT_MS = 30_000;

/** How far three CG steps a row may be from exact solves in training RMSE (6e-5 apart here). */
const CG_RMSE_MARGIN = 0.001;

describe('trainAls', () => {
  /**
   * The ratings of 40 users x 25 movies from a rank-2 model with biases, exactly, all but user 7's
   * rating of movie 13, which the model must predict.
   */
  function lowRankRatings(): { ratings: RatingMatrix; truth: (u: number, m: number) => number } {
    const random = seededRandom(11);
    const users = Array.from({ length: 40 }, () => [
      random() - 0.5,
      random() - 0.5,
      random() - 0.5,
    ]);
    const movies = Array.from({ length: 25 }, () => [
      random() - 0.5,
      random() - 0.5,
      random() - 0.5,
    ]);
    const truth = (u: number, m: number): number =>
      3.5 +
      users[u]![2]! +
      movies[m]![2]! +
      2 * (users[u]![0]! * movies[m]![0]! + users[u]![1]! * movies[m]![1]!);
    const triples: [number, number, number][] = [];
    for (let u = 0; u < 40; u++)
      for (let m = 0; m < 25; m++)
        if (u !== 6 || m !== 12) triples.push([u + 1, m + 1, truth(u, m)]);
    return { ratings: matrixOf(triples), truth };
  }

  it('recovers ratings made by a low-rank model with biases', async () => {
    const { ratings, truth } = lowRankRatings();
    const errors: number[] = [];
    const model = await trainAls(
      ratings,
      { factors: 2, iterations: 40, regularization: 1e-4, seed: 3 },
      { onIteration: (_, rmse) => errors.push(rmse) },
    );
    expect(errors).toHaveLength(40);
    expect(errors[39]).toBeLessThan(0.01);
    // The rating it never saw, through the model's public lookups: the biases alone miss it.
    const row = userRowOf(model, 7);
    const column = movieColumnOf(model, 13);
    const biasesOnly = model.globalMean + model.userBiases[row]! + model.movieBiases[column]!;
    expect(Math.abs(predictAls(model, row, column) - truth(6, 12))).toBeLessThan(0.02);
    expect(Math.abs(biasesOnly - truth(6, 12))).toBeGreaterThan(0.05);
  });

  it.each<AlsSolver>([{ method: 'cholesky' }, { method: 'cg', steps: 3 }])(
    'trains the same model on one thread and on two workers, solving by %o',
    async (solver) => {
      const ratings = generateSyntheticRatings({
        users: 400,
        movies: 120,
        ratings: 12_000,
        seed: 4,
      });
      const settings = { factors: 4, iterations: 3, regularization: 0.05, seed: 9, solver };
      const one = await trainAls(ratings, settings, { threads: 1 });
      const two = await trainAls(ratings, settings, { threads: 2 });
      expect(two.userFactors).toEqual(one.userFactors);
      expect(two.movieFactors).toEqual(one.movieFactors);
      expect(two.userBiases).toEqual(one.userBiases);
      expect(two.movieBiases).toEqual(one.movieBiases);
      expect(one.settings.solver).toEqual(solver);
      const otherSeed = await trainAls(ratings, { ...settings, seed: 10 }, { threads: 1 });
      expect(otherSeed.userFactors).not.toEqual(one.userFactors);
    },
    WORKER_TEST_TIMEOUT_MS,
  );

  it('fits the training ratings about as well with three CG steps a row as exactly', async () => {
    const ratings = generateSyntheticRatings({ users: 600, movies: 150, ratings: 20_000, seed: 6 });
    const trainRmse = async (solver: AlsSolver): Promise<number> => {
      const errors: number[] = [];
      const settings = { factors: 8, iterations: 10, regularization: 0.05, seed: 1, solver };
      await trainAls(ratings, settings, { onIteration: (_, rmse) => errors.push(rmse) });
      return errors.at(-1) ?? Number.NaN;
    };
    const exact = await trainRmse({ method: 'cholesky' });
    const cg = await trainRmse({ method: 'cg', steps: 3 });
    expect(Math.abs(cg - exact)).toBeLessThan(CG_RMSE_MARGIN);
    // One step a row is not enough (0.646 against 0.588), so the test above could fail.
    expect(await trainRmse({ method: 'cg', steps: 1 })).toBeGreaterThan(exact + CG_RMSE_MARGIN);
  });

  it('solves by the default solver unless told otherwise, and records it', async () => {
    const { ratings } = lowRankRatings();
    const model = await trainAls(ratings, { factors: 2, iterations: 1 });
    expect(model.settings.solver).toEqual({ method: 'cg', steps: 3 });
    expect(DEFAULT_ALS_SETTINGS.solver).toEqual({ method: 'cg', steps: 3 });
  });

  it('rejects settings and thread counts it cannot honour', async () => {
    const { ratings } = lowRankRatings();
    await expect(trainAls(ratings, { factors: 0 })).rejects.toThrow(/factors/);
    await expect(trainAls(ratings, { regularization: 0 })).rejects.toThrow(/regularization/);
    await expect(trainAls(ratings, { solver: { method: 'cg', steps: 0 } })).rejects.toThrow(
      /steps/,
    );
    await expect(
      trainAls(ratings, { solver: { method: 'lu' } as unknown as AlsSolver }),
    ).rejects.toThrow(/solver/);
    await expect(trainAls(ratings, {}, { threads: 0 })).rejects.toThrow(/threads/);
  });
});

describe('alsSettingsSchema', () => {
  it('reads settings stored before the solver could be chosen', () => {
    const stored = { factors: 32, iterations: 10, regularization: 0.05, seed: 1 };
    expect(alsSettingsSchema.parse(stored)).toEqual(stored);
  });
});

describe('foldInUser', () => {
  let ratings: RatingMatrix;
  let model: AlsModel;

  beforeAll(async () => {
    ratings = generateSyntheticRatings({ users: 300, movies: 80, ratings: 6_000, seed: 8 });
    const settings = { factors: 5, iterations: 4, regularization: 0.05, seed: 2 };
    model = await trainAls(ratings, { ...settings, solver: { method: 'cholesky' } });
  });

  it('gives a user trained by the exact solver back the factors training gave them', () => {
    for (const row of [0, 17, 299]) {
      const folded = foldInUser(model, ratingsOfRow(ratings, row));
      expect(folded.factors).toEqual(model.userFactors.slice(row * 5, row * 5 + 5));
      expect(folded.bias).toBe(model.userBiases[row]);
      const movieId = ratings.movieIds[3]!;
      expect(predictFolded(model, folded, movieId)).toBeCloseTo(
        predictAls(model, row, movieColumnOf(model, movieId)),
        5,
      );
    }
  });

  it('moves a user’s predictions with a rating just given', () => {
    const own = ratingsOfRow(ratings, 17);
    const movieId = ratings.movieIds.find((id) => !own.has(id))!;
    const before = predictFolded(model, foldInUser(model, own), movieId);
    const after = predictFolded(model, foldInUser(model, new Map([...own, [movieId, 5]])), movieId);
    expect(after).toBeGreaterThan(before);
  });

  it('ignores movies the model does not know, and knows nothing of a user without ratings', () => {
    const own = ratingsOfRow(ratings, 17);
    const withUnknown = foldInUser(model, new Map([...own, [1e9, 1]]));
    expect(withUnknown).toEqual(foldInUser(model, own));

    const empty = foldInUser(model, new Map());
    expect(Array.from(empty.factors)).toEqual([0, 0, 0, 0, 0]);
    expect(empty.bias).toBe(0);
    const movieId = ratings.movieIds[0]!;
    expect(predictFolded(model, empty, movieId)).toBeCloseTo(
      model.globalMean + model.movieBiases[0]!,
      6,
    );
    // An unknown movie: the user's own bias only.
    const folded = foldInUser(model, own);
    expect(predictFolded(model, folded, 1e9)).toBeCloseTo(model.globalMean + folded.bias, 6);
    expect(predictAls(model, -1, -1)).toBe(model.globalMean);
  });

  it('folds users into two models of different factors in turn, many times over', async () => {
    const other = await trainAls(ratings, { factors: 3, iterations: 2, seed: 2 });
    const own = ratingsOfRow(ratings, 17);
    const alone = foldInUser(other, own);

    for (let turn = 0; turn < 64; turn++) {
      foldInUser(model, own);
      foldInUser(other, own);
    }
    expect(foldInUser(other, own)).toEqual(alone);
  });
});
