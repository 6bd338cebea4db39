import { evaluate, type EvaluationSettings } from './evaluator';
import { METHODS } from './methods';
import { aRatingTable, type RatingRow } from './rating-table.factory';

/**
 * Two taste groups of six users over movies 1-10: group A rates 1-5 with 5 and 6-10 with 1,
 * group B the other way round. Every user holds out one liked and one disliked movie.
 */
function twoTastes(): { train: RatingRow[]; test: RatingRow[] } {
  const train: RatingRow[] = [];
  const test: RatingRow[] = [];
  for (let userId = 1; userId <= 12; userId++) {
    const likesLow = userId <= 6;
    const heldLiked = likesLow ? 1 + (userId % 5) : 6 + (userId % 5);
    const heldDisliked = likesLow ? 6 + (userId % 5) : 1 + (userId % 5);
    for (let movieId = 1; movieId <= 10; movieId++) {
      const rating = movieId <= 5 === likesLow ? 5 : 1;
      const held = movieId === heldLiked || movieId === heldDisliked;
      (held ? test : train).push({ userId, movieId, rating });
    }
  }
  return { train, test };
}

/** Every setting fixed but what a test tunes. */
const settings: EvaluationSettings = {
  model: {
    k: 2,
    minClusterSize: 1,
    values: 'centred',
    normalize: true,
    favouriteMinRating: 4,
    seed: 1,
    restarts: 3,
    threads: 1,
  },
  minSupport: 1,
  als: { iterations: 5, seed: 1 },
  biasIterations: 5,
  threads: 1,
  grids: {
    values: ['centred'],
    k: [2],
    priorWeight: [1],
    clusterPriorWeight: [1],
    alsFactors: [2],
    alsRegularization: [0.05],
    itemKnnNeighbours: [5],
    biasRegularization: [{ userRegularization: 5, movieRegularization: 5 }],
  },
};

/** Grids with a choice in every tuned setting. */
const tuning: EvaluationSettings = {
  ...settings,
  grids: {
    values: ['centred', 'binary'],
    k: [1, 2, 3],
    priorWeight: [1, 10],
    clusterPriorWeight: [0, 25],
    alsFactors: [1, 2],
    alsRegularization: [0.02, 0.5],
    itemKnnNeighbours: [1, 5],
    biasRegularization: [
      { userRegularization: 0, movieRegularization: 0 },
      { userRegularization: 50, movieRegularization: 50 },
    ],
  },
};

describe(evaluate.name, () => {
  const { train, test } = twoTastes();
  const cold = { userId: 99, movieId: 3, rating: 4 };
  const run = () =>
    evaluate({ train: aRatingTable(train), test: aRatingTable([...test, cold]) }, settings);

  it('scores every method on the held-out ratings', async () => {
    const sut = await run();

    expect(Object.keys(sut.methods)).toEqual([...METHODS]);
    expect(sut).toMatchObject({ k: 2, testRatings: 25, testUsers: 13, coldUsers: 1 });
    expect(sut.catalogue).toBe(10);
    expect(sut.tuned).toEqual({});
    expect(sut.methods.itemKnn.rmse).toBeUndefined();
    expect(sut.methods.itemKnn.ndcg10).toBeGreaterThan(0);
    expect(sut.methods.movieMean.ndcg10).toBeUndefined();
  });

  it('predicts the training mean for globalMean, whose error is hand-computable', async () => {
    const sut = await run();

    // Training holds 48 fives and 48 ones: mean 3, every held-out rating is 2 (or 1) away.
    expect(sut.ranking.movies.globalMean).toBe(3);
    const errors = [...test.map(() => 2), 1];
    const rmse = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length);
    expect(sut.methods.globalMean.rmse).toBeCloseTo(rmse);
    expect(sut.methods.globalMean.mae).toBeCloseTo(49 / 25);
    expect(sut.methods.globalMean.ndcg10).toBeUndefined();
  });

  it('finds the two tastes, so the cluster method beats every baseline', async () => {
    const sut = await run();
    const { cluster, globalMean, movieMean, topRated } = sut.methods;

    expect(sut.model.clusters).toBe(2);
    expect(cluster.rmse).toBeLessThan(0.5);
    expect(cluster.rmse).toBeLessThan(Math.min(globalMean.rmse!, movieMean.rmse!));
    // Each user's list holds exactly one unseen favourite of the cluster: the held-out one.
    expect(cluster.precision10).toBeCloseTo((12 * 0.1 + 1 / 10) / 13);
    expect(cluster.recall10).toBeCloseTo(1);
    expect(cluster.ndcg10).toBeCloseTo((12 * 1 + ndcgOfColdUser(sut)) / 13);
    expect(topRated.ndcg10).toBeLessThan(cluster.ndcg10!);
    expect(cluster.top5pctMeanRating).toBeGreaterThan(globalMean.top5pctMeanRating!);
  });

  it('gives a user without training ratings no cluster and the top-rated list', async () => {
    const sut = await run();
    const outcome = sut.outcomes.find((o) => o.userId === cold.userId);

    expect(outcome?.cluster).toBeUndefined();
    expect(outcome?.lists.cluster).toEqual(outcome?.lists.topRated);
    expect(outcome?.scored.cluster).toEqual([
      { movieId: 3, actual: 4, predicted: sut.ranking.predict(undefined, new Map(), 3).rating },
    ]);
  });

  it('is repeatable: the same seed gives the same scores', async () => {
    expect((await run()).methods).toEqual((await run()).methods);
  });

  it('chooses every setting on validation ratings, never on the test ratings', async () => {
    const poisoned = test.map((row) => ({ ...row, rating: 6 - row.rating }));
    const tuneWith = (rows: typeof test) =>
      evaluate({ train: aRatingTable(train), test: aRatingTable(rows) }, tuning);

    const [honest, againstPoison] = [await tuneWith(test), await tuneWith(poisoned)];

    expect(Object.keys(honest.tuned).sort()).toEqual([
      'alsForLists',
      'alsForPredictions',
      'biasForLists',
      'biasForPredictions',
      'itemKnnNeighbours',
      'k',
      'shrinkage',
      'values',
    ]);
    expect(honest.tuned.k).toMatchObject({ grid: [1, 2, 3], by: 'validation ndcg10' });
    // The values chosen are those of the best (values, k) pair: k's row is the chosen values'.
    expect(honest.tuned.values).toMatchObject({ grid: ['centred', 'binary'] });
    expect(honest.settings.model.values).toBe(honest.tuned.values?.chosen);
    expect(Math.max(...(honest.tuned.k?.scores ?? []))).toBe(
      Math.max(...(honest.tuned.values?.scores ?? [])),
    );
    expect(honest.tuned.shrinkage?.by).toBe('validation rmse');
    expect(againstPoison.tuned).toEqual(honest.tuned);
    expect(againstPoison.settings).toEqual(honest.settings);
    // The poisoned test ratings are scored, and score worse: the settings did not follow them.
    expect(againstPoison.methods.cluster.rmse).toBeGreaterThan(honest.methods.cluster.rmse! + 1);
  });

  it('chooses the two tastes by validation NDCG@10 when k is tuned', async () => {
    const sut = await evaluate(
      { train: aRatingTable(train), test: aRatingTable(test) },
      { ...settings, grids: { ...settings.grids, k: [1, 2] } },
    );

    expect(sut.tuned.k?.chosen).toBe(2);
    expect(sut.tuned.k?.scores[1]).toBeGreaterThan(sut.tuned.k?.scores[0] ?? 1);
    expect(sut.k).toBe(2);
  });
});

/** The cold user's NDCG: movie 3 is relevant; where does the top-rated list put it? */
function ndcgOfColdUser(sut: Awaited<ReturnType<typeof evaluate>>): number {
  const list = sut.outcomes.find((o) => o.userId === 99)?.lists.topRated ?? [];
  const rank = list.indexOf(3);
  return rank < 0 || rank >= 10 ? 0 : 1 / Math.log2(rank + 2);
}
