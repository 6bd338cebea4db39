import { MAX_RATING, MIN_RATING } from '@app/events';
import { foldInUser, predictFolded, trainAls } from '@app/factorization';
import { BiasBaseline, ItemKnn } from '@app/recommend';
import {
  alsMethod,
  biasMethod,
  itemKnnMethod,
  overallMethods,
  overallRanking,
  trainingSetOf,
} from './methods';
import { aRatingTable } from './rating-table.factory';

/**
 * Four users, four movies. Favourites (ratings >= 4): movie 10 of users 1, 2, 3; 20 of 1, 2;
 * 40 of 3, 4; 30 of no one. Mean rating 37 / 10 = 3.7.
 */
const table = aRatingTable([
  { userId: 1, movieId: 10, rating: 5 },
  { userId: 1, movieId: 20, rating: 4 },
  { userId: 1, movieId: 30, rating: 1 },
  { userId: 2, movieId: 10, rating: 4 },
  { userId: 2, movieId: 20, rating: 5 },
  { userId: 3, movieId: 10, rating: 5 },
  { userId: 3, movieId: 30, rating: 2 },
  { userId: 3, movieId: 40, rating: 5 },
  { userId: 4, movieId: 20, rating: 2 },
  { userId: 4, movieId: 40, rating: 4 },
]);
const training = trainingSetOf(table, 4);
const shrinkage = { priorWeight: 1, clusterPriorWeight: 1, minSupport: 3 };
const newUser = new Map<number, number>();
const user4 = new Map([
  [20, 2],
  [40, 4],
]);

describe(overallMethods.name, () => {
  const sut = overallMethods(overallRanking(training, shrinkage));

  it('mostFavoured lists the movies most users favour, ties by the shrunk mean', () => {
    // 10 has three fans; 20 and 40 two each, 40 the better shrunk mean; 30 none.
    expect(sut.mostFavoured.forUser(99, newUser).recommend?.(10)).toEqual([10, 40, 20, 30]);
    expect(sut.mostFavoured.forUser(4, user4).recommend?.(10)).toEqual([10, 30]);
  });

  it('predicts the movie mean shrunk toward the global mean', () => {
    // (5 + 4 + 5 + 1 * 3.7) / (3 + 1) and (5 + 4 + 3.7) / (2 + 1).
    expect(sut.movieMean.forUser(1, newUser).predict?.(10)).toBeCloseTo(4.425);
    expect(sut.mostFavoured.forUser(1, newUser).predict?.(40)).toBeCloseTo(4.2333);
    expect(sut.globalMean.forUser(1, newUser).predict?.(40)).toBeCloseTo(3.7);
    expect(sut.movieMean.forUser(1, newUser).recommend).toBeUndefined();
  });

  it('topRated lists by shrunk mean the movies with the minimum support', () => {
    // Only 10 (4.425) and 20 ((11 + 3.7) / 4 = 3.675) have three ratings.
    expect(sut.topRated.forUser(99, newUser).recommend?.(10)).toEqual([10, 20]);
    expect(sut.topRated.forUser(2, new Map([[10, 4]])).recommend?.(10)).toEqual([20]);
  });
});

describe(itemKnnMethod.name, () => {
  const { mostFavoured } = overallMethods(overallRanking(training, shrinkage));
  const knn = ItemKnn.fromRatings(table, 4, { neighbours: 5 });
  const sut = itemKnnMethod(knn, mostFavoured, 4);

  it("lists the neighbours of the user's favourites, backfilled from mostFavoured", () => {
    // 20's only neighbour is 10 (cosine 2 / sqrt(6)); then mostFavoured's unseen 40 and 30.
    expect(sut.forUser(99, new Map([[20, 5]])).recommend?.(10)).toEqual([10, 40, 30]);
    expect(sut.forUser(99, new Map([[20, 5]])).recommend?.(1)).toEqual([10]);
    // A rating below the threshold is no favourite: the list is mostFavoured's.
    expect(sut.forUser(99, new Map([[20, 3]])).recommend?.(10)).toEqual([10, 40, 30]);
    expect(sut.forUser(99, newUser).recommend?.(2)).toEqual([10, 40]);
    expect(sut.forUser(99, newUser).predict).toBeUndefined();
  });
});

describe(biasMethod.name, () => {
  // One round without regularisation: b_i = mean(r - μ) over the movie's ratings, then
  // b_u = mean(r - μ - b_i) over the user's: b_10 = 14/3 - 3.7, b_20 = 11/3 - 3.7,
  // b_30 = 1.5 - 3.7, b_40 = 4.5 - 3.7.
  const baseline = new BiasBaseline(table, {
    userRegularization: 0,
    movieRegularization: 0,
    iterations: 1,
  });
  const sut = biasMethod(baseline, baseline, training.matrix.movieIds);

  it('lists the unseen movies of the highest movie bias', () => {
    expect(sut.forUser(99, newUser).recommend?.(10)).toEqual([10, 40, 20, 30]);
    const user1 = new Map([
      [10, 5],
      [20, 4],
      [30, 1],
    ]);
    expect(sut.forUser(1, user1).recommend?.(10)).toEqual([40]);
  });

  it('predicts μ + b_u + b_i', () => {
    // b_1 = ((5 - 3.7 - 0.9667) + (4 - 3.7 + 0.0333) + (1 - 3.7 + 2.2)) / 3 = 0.0556.
    expect(sut.forUser(1, newUser).predict?.(40)).toBeCloseTo(3.7 + 0.05556 + 0.8, 4);
  });
});

describe(alsMethod.name, () => {
  it('folds the user in and lists the unseen movies it predicts highest, on the scale', async () => {
    const model = await trainAls(training.matrix, {
      factors: 2,
      iterations: 5,
      regularization: 0.05,
      seed: 1,
    });
    const sut = alsMethod(model).forUser(4, user4);

    const folded = foldInUser(model, user4);
    const predicted = (movieId: number) => predictFolded(model, folded, movieId);
    const list = sut.recommend?.(10) ?? [];
    expect([...list].sort()).toEqual([10, 30]);
    expect(predicted(list[0]!)).toBeGreaterThanOrEqual(predicted(list[1]!));
    expect(sut.recommend?.(1)).toEqual(list.slice(0, 1));
    for (const movieId of [10, 20, 30, 40]) {
      const expected = Math.min(MAX_RATING, Math.max(MIN_RATING, predicted(movieId)));
      expect(sut.predict?.(movieId)).toBeCloseTo(expected, 6);
    }
  });
});
