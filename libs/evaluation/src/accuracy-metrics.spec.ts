import {
  meanAbsoluteError,
  rootMeanSquaredError,
  type ScoredRating,
  topFractionMeanRating,
} from './accuracy-metrics';

const aScore = (actual: number, predicted: number, movieId = 1): ScoredRating => ({
  movieId,
  actual,
  predicted,
});

describe(rootMeanSquaredError.name, () => {
  it('is the root of the mean squared error', () => {
    expect(rootMeanSquaredError([aScore(4, 3), aScore(3, 5)])).toBeCloseTo(Math.sqrt(2.5));
    expect(rootMeanSquaredError([])).toBeUndefined();
  });
});

describe(meanAbsoluteError.name, () => {
  it('is the mean absolute error', () => {
    expect(meanAbsoluteError([aScore(4, 3), aScore(3, 5)])).toBeCloseTo(1.5);
    expect(meanAbsoluteError([])).toBeUndefined();
  });
});

describe(topFractionMeanRating.name, () => {
  /** n ratings whose predictions rank them in reverse order of their true ratings 1..n. */
  const reversed = (n: number) => Array.from({ length: n }, (_, i) => aScore(i + 1, -i, i));

  it("takes each user's top 5% by prediction, at least one, and averages over users", () => {
    const twentyOne = reversed(21); // 5% of 21 is 1.05: the top one, true rating 1.
    const forty = Array.from({ length: 40 }, (_, i) => aScore(i % 5, i, i)); // top 2: 4 and 3.
    const three = [aScore(2, 1), aScore(5, 9), aScore(1, 3)]; // at least one: the 5.

    expect(topFractionMeanRating([twentyOne])).toBe(1);
    expect(topFractionMeanRating([forty])).toBe(3.5);
    expect(topFractionMeanRating([three])).toBe(5);
    expect(topFractionMeanRating([twentyOne, forty, three, []])).toBeCloseTo((1 + 3.5 + 5) / 3);
  });

  it('counts movies tied at the cut by their mean, so a constant prediction scores the mean', () => {
    const constant = [aScore(1, 3), aScore(5, 3), aScore(3, 3), aScore(4, 3)];
    const tiedForSecond = [aScore(5, 9), aScore(1, 2), aScore(4, 2), aScore(2, 1)];

    expect(topFractionMeanRating([constant], 0.25)).toBe(3.25);
    expect(topFractionMeanRating([tiedForSecond], 0.5)).toBe((5 + 2.5) / 2);
  });

  it('is undefined without any rating', () => {
    expect(topFractionMeanRating([[]])).toBeUndefined();
  });
});
