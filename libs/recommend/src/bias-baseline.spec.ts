import { type RatingColumns, seededRandom } from '@app/clustering';
import { BiasBaseline, type BiasBaselineSettings } from './bias-baseline';

type RatingRow = [userId: number, movieId: number, rating: number];

function aRatingTable(rows: readonly RatingRow[]): RatingColumns {
  return {
    userIds: Int32Array.from(rows, ([userId]) => userId),
    movieIds: Int32Array.from(rows, ([, movieId]) => movieId),
    ratings: Float32Array.from(rows, ([, , rating]) => rating),
  };
}

/**
 * Every user rates about half the movies: a hidden mean plus user and movie biases plus noise,
 * rounded to half stars on the rating scale.
 */
function biasedRatings(users: number, movies: number, seed: number): RatingRow[] {
  const random = seededRandom(seed);
  const spread = () => 2 * random() - 1;
  const userBiases = Array.from({ length: users }, () => 0.8 * spread());
  const movieBiases = Array.from({ length: movies }, () => spread());
  const rows: RatingRow[] = [];
  for (let u = 0; u < users; u++) {
    for (let m = 0; m < movies; m++) {
      if (random() < 0.5) continue;
      const rating = 3.5 + (userBiases[u] ?? 0) + (movieBiases[m] ?? 0) + 0.5 * spread();
      rows.push([u + 1, m + 1, Math.min(5, Math.max(0.5, Math.round(rating * 2) / 2))]);
    }
  }
  return rows;
}

const rmse = (sut: BiasBaseline, rows: readonly RatingRow[]): number =>
  Math.sqrt(
    rows.reduce((sum, [user, movie, rating]) => sum + (sut.predict(user, movie) - rating) ** 2, 0) /
      rows.length,
  );

describe(BiasBaseline.name, () => {
  const settings: BiasBaselineSettings = {
    userRegularization: 2,
    movieRegularization: 1,
    iterations: 1,
  };
  // μ = 11/3.
  const sut = new BiasBaseline(
    aRatingTable([
      [1, 10, 4],
      [1, 20, 2],
      [2, 10, 5],
    ]),
    settings,
  );

  it('sets movie biases from zero user biases, then user biases from those, in one round', () => {
    expect(sut.globalMean).toBeCloseTo(11 / 3);
    // b_10 = ((4 - 11/3) + (5 - 11/3)) / (1 + 2); b_20 = (2 - 11/3) / (1 + 1).
    expect(sut.movieBias(10)).toBeCloseTo(5 / 9);
    expect(sut.movieBias(20)).toBeCloseTo(-5 / 6);
    // b_1 = ((4 - 11/3 - 5/9) + (2 - 11/3 + 5/6)) / (2 + 2); b_2 = (5 - 11/3 - 5/9) / (2 + 1).
    expect(sut.userBias(1)).toBeCloseTo(-19 / 72);
    expect(sut.userBias(2)).toBeCloseTo(7 / 27);
    expect(sut.predict(1, 10)).toBeCloseTo(11 / 3 - 19 / 72 + 5 / 9);
  });

  it('takes a zero bias for a user or a movie it has not seen', () => {
    expect(sut.predict(9, 20)).toBeCloseTo(11 / 3 - 5 / 6);
    expect(sut.predict(2, 99)).toBeCloseTo(11 / 3 + 7 / 27);
    expect(sut.predict(9, 99)).toBeCloseTo(11 / 3);
  });

  it('keeps predictions on the rating scale', () => {
    // μ = 3.5; b_10 = 0.5, b_20 = 1.5, b_30 = -2.5; then b_1 = 0.5, b_2 = -0.5.
    const unregularized = new BiasBaseline(
      aRatingTable([
        [1, 10, 5],
        [2, 10, 3],
        [1, 20, 5],
        [2, 30, 1],
      ]),
      { userRegularization: 0, movieRegularization: 0, iterations: 1 },
    );

    expect(unregularized.userBias(1)).toBeCloseTo(0.5);
    expect(unregularized.movieBias(20)).toBeCloseTo(1.5);
    // 3.5 + 0.5 + 1.5 = 5.5.
    expect(unregularized.predict(1, 20)).toBe(5);
    expect(unregularized.predict(2, 30)).toBeCloseTo(0.5);
  });

  it('fits the training ratings better than the global mean, and better with more rounds', () => {
    const rows = biasedRatings(60, 40, 7);
    const fitted = (iterations: number) =>
      new BiasBaseline(aRatingTable(rows), {
        userRegularization: 15,
        movieRegularization: 10,
        iterations,
      });
    const globalMean = rmse(fitted(0), rows);
    const once = rmse(fitted(1), rows);
    const converged = rmse(fitted(10), rows);

    expect(once).toBeLessThan(globalMean);
    expect(converged).toBeLessThan(once);
    expect(converged).toBeLessThan(0.7 * globalMean);
  });

  it('settles: more rounds barely move the biases', () => {
    const rows = aRatingTable(biasedRatings(30, 20, 3));
    const ten = new BiasBaseline(rows);
    const hundred = new BiasBaseline(rows, { ...ten.settings, iterations: 100 });

    expect(Math.abs(ten.userBias(1) - hundred.userBias(1))).toBeLessThan(0.01);
    expect(Math.abs(ten.movieBias(1) - hundred.movieBias(1))).toBeLessThan(0.01);
  });

  it('predicts the mid rating from no ratings at all', () => {
    expect(new BiasBaseline(aRatingTable([])).predict(1, 1)).toBe(2.75);
  });

  it('rejects a fractional number of rounds or a negative regularization', () => {
    const rows = aRatingTable([[1, 1, 3]]);

    expect(() => new BiasBaseline(rows, { ...settings, iterations: 1.5 })).toThrow(RangeError);
    expect(() => new BiasBaseline(rows, { ...settings, userRegularization: -1 })).toThrow(
      RangeError,
    );
  });
});
