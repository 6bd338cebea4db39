import { latestRatings, splitPerUser } from './rating-split';
import { aRatingTable, type RatingRow, rowsOf } from './rating-table.factory';

/** `count` ratings of one user, movies 1..count, rating = movie id mod 5 + 1. */
const ratingsOf = (userId: number, count: number): RatingRow[] =>
  Array.from({ length: count }, (_, i) => ({ userId, movieId: i + 1, rating: ((i + 1) % 5) + 1 }));

const key = ({ userId, movieId }: RatingRow) => `${userId}:${movieId}`;

describe(splitPerUser.name, () => {
  const rows = [...ratingsOf(1, 10), ...ratingsOf(2, 3), ...ratingsOf(3, 1)];

  it("holds out a fifth of each user's ratings, rounded, and never a user's last one", () => {
    const sut = splitPerUser(aRatingTable(rows), { seed: 7 });

    const heldPerUser = (userId: number) =>
      rowsOf(sut.test).filter((row) => row.userId === userId).length;
    expect([heldPerUser(1), heldPerUser(2), heldPerUser(3)]).toEqual([2, 1, 0]);
    const all = [...rowsOf(sut.train), ...rowsOf(sut.test)].map(key).sort();
    expect(all).toEqual(rows.map(key).sort());
  });

  it("gives a user the same split whatever the file order and the other users' ratings", () => {
    const alone = splitPerUser(aRatingTable(ratingsOf(1, 10)), { seed: 7 });
    const shuffled = splitPerUser(aRatingTable([...rows].reverse()), { seed: 7 });

    const testOf = (table: typeof alone.test) =>
      rowsOf(table)
        .filter((row) => row.userId === 1)
        .map(key)
        .sort();
    expect(testOf(shuffled.test)).toEqual(testOf(alone.test));
  });

  it('changes with the seed', () => {
    const many = aRatingTable(ratingsOf(1, 40));

    const testKeys = (seed: number) => rowsOf(splitPerUser(many, { seed }).test).map(key);
    expect(testKeys(1)).toEqual(testKeys(1));
    expect(testKeys(1)).not.toEqual(testKeys(2));
  });

  it('rejects a fraction outside [0, 1)', () => {
    expect(() => splitPerUser(aRatingTable(rows), { seed: 1, testFraction: 1 })).toThrow(
      RangeError,
    );
  });
});

describe(latestRatings.name, () => {
  it('keeps the last rating of each user and movie, in input order', () => {
    const table = aRatingTable([
      { userId: 1, movieId: 5, rating: 2 },
      { userId: 2, movieId: 5, rating: 3 },
      { userId: 1, movieId: 5, rating: 4.5 },
    ]);

    expect(rowsOf(latestRatings(table))).toEqual([
      { userId: 2, movieId: 5, rating: 3 },
      { userId: 1, movieId: 5, rating: 4.5 },
    ]);
  });
});
