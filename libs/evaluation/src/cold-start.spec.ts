import { type UserProfile } from '@app/events';
import { COLD_START_KEPT, coldStartSplit, evaluateColdStart, keptRatings } from './cold-start';
import { aRatingTable, type RatingRow, rowsOf } from './rating-table.factory';
import { type ChosenSettings } from './tuning';

/** 40 users over movies 1-10: odd users like 1-5, even users 6-10; each holds out movie 10 or 1. */
function tastes(): { train: RatingRow[]; test: RatingRow[] } {
  const train: RatingRow[] = [];
  const test: RatingRow[] = [];
  for (let userId = 1; userId <= 40; userId++) {
    const likesLow = userId % 2 === 1;
    for (let movieId = 1; movieId <= 10; movieId++) {
      const rating = movieId <= 5 === likesLow ? 5 : 1;
      (movieId === (likesLow ? 5 : 10) ? test : train).push({ userId, movieId, rating });
    }
  }
  return { train, test };
}

const chosen: ChosenSettings = {
  model: {
    k: 2,
    minClusterSize: 1,
    values: 'centred',
    normalize: true,
    favouriteMinRating: 4,
    seed: 3,
    restarts: 2,
    threads: 1,
  },
  shrinkage: { priorWeight: 1, clusterPriorWeight: 5, minSupport: 1 },
  als: {
    predictions: { factors: 2, iterations: 3, regularization: 0.05, seed: 1 },
    lists: { factors: 3, iterations: 3, regularization: 0.05, seed: 1 },
  },
  itemKnn: { neighbours: 5 },
  bias: {
    predictions: { userRegularization: 5, movieRegularization: 5, iterations: 3 },
    lists: { userRegularization: 5, movieRegularization: 5, iterations: 3 },
  },
};

describe(coldStartSplit.name, () => {
  const { train, test } = tastes();
  const testUsers = [...new Set(test.map((row) => row.userId))].filter((id) => id !== 40);
  const sut = coldStartSplit(aRatingTable(train), testUsers, { seed: 7, fraction: 0.1 });

  it('makes a tenth of the users with test ratings cold and trains without any of their ratings', () => {
    expect(sut.cold.size).toBe(4); // round(39 * 0.1)
    expect(sut.cold.has(40)).toBe(false);
    const warmUsers = new Set(rowsOf(sut.warm).map((row) => row.userId));
    for (const userId of sut.cold.keys()) expect(warmUsers.has(userId)).toBe(false);
    expect(rowsOf(sut.warm)).toHaveLength(train.length - 4 * 9);
  });

  it('keeps exactly n of each cold user’s training ratings, the first n of one seeded order', () => {
    for (const kept of COLD_START_KEPT) {
      const ratings = keptRatings(sut, kept);
      expect([...ratings.keys()]).toEqual([...sut.cold.keys()]);
      for (const [userId, movies] of ratings) {
        expect(movies.size).toBe(kept);
        const own = train.filter((row) => row.userId === userId);
        for (const [movieId, rating] of movies) {
          expect(own).toContainEqual({ userId, movieId, rating });
        }
      }
    }
    const [userId] = sut.cold.keys();
    expect([...(keptRatings(sut, 3).get(userId!)?.keys() ?? [])]).toEqual(
      [...(keptRatings(sut, 5).get(userId!)?.keys() ?? [])].slice(0, 3),
    );
  });

  it('depends on the seed', () => {
    const other = coldStartSplit(aRatingTable(train), testUsers, { seed: 8, fraction: 0.1 });
    expect([...other.cold.keys()]).not.toEqual([...sut.cold.keys()]);
  });
});

describe(evaluateColdStart.name, () => {
  const { train, test } = tastes();
  const data = { train: aRatingTable(train), test: aRatingTable(test) };

  it('scores every method per number of ratings kept, placing the users as production does', async () => {
    const sut = await evaluateColdStart(data, chosen);

    expect(sut.coldUsers).toBe(4);
    expect(sut.warmRatings).toBe(train.length - 4 * 9);
    expect(sut.runs.map((run) => run.kept)).toEqual([...COLD_START_KEPT]);
    const [none, one, , five] = sut.runs;
    // No ratings and no profiles: the largest cluster; one centred rating says nothing either.
    expect(none?.placements).toEqual({ largest: 4 });
    expect(one?.placements).toEqual({ largest: 4 });
    expect(five?.placements).toEqual({ ratings: 4 });
    for (const run of sut.runs) {
      expect(run.users).toBe(4);
      expect(Object.keys(run.methods)).toEqual([
        'cluster',
        'similar',
        'mostFavoured',
        'als',
        'itemKnn',
      ]);
      expect(run.methods.itemKnn.rmse).toBeUndefined();
      expect(run.methods.cluster.ndcg10).toBeGreaterThanOrEqual(0);
    }
    // Five ratings place each user with their taste, whose held-out favourite it then predicts.
    expect(five?.methods.cluster.rmse).toBeLessThan(none?.methods.cluster.rmse ?? 0);
  });

  it('places users without ratings by their demographic group when profiles are given', async () => {
    const profiles = new Map<number, UserProfile>(
      Array.from({ length: 40 }, (_, i) => [
        i + 1,
        {
          age: 20 + (i % 2) * 40,
          gender: i % 2 ? 'F' : 'M',
          occupation: 'writer',
          zipPrefix: '123',
        },
      ]),
    );

    const sut = await evaluateColdStart({ ...data, profiles }, chosen);

    expect(sut.runs[0]?.placements).toEqual({ demographics: 4 });
  });
});
