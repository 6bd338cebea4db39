import { nonZeros } from './csr-matrix';
import { generateSyntheticRatings, netflixShape } from './synthetic-ratings';

describe(generateSyntheticRatings.name, () => {
  const options = { users: 2_000, movies: 500, ratings: 60_000, seed: 3 };

  it('makes exactly the ratings asked for, each user rating a movie at most once', () => {
    const { matrix } = generateSyntheticRatings(options);

    expect(nonZeros(matrix)).toBe(60_000);
    for (let r = 0; r < matrix.rows; r++) {
      const columns = matrix.colIndices.subarray(matrix.rowPtr[r], matrix.rowPtr[r + 1]);
      expect(columns.length).toBeGreaterThan(0);
      for (let i = 1; i < columns.length; i++) expect(columns[i]).toBeGreaterThan(columns[i - 1]!);
    }
  });

  it('rates on the 1-5 scale and repeats for a seed', () => {
    const first = generateSyntheticRatings(options).matrix;

    expect(new Set(first.values)).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(generateSyntheticRatings(options).matrix.values).toEqual(first.values);
  });

  it('keeps the Netflix Prize catalogue and scales users and ratings', () => {
    expect(netflixShape(1)).toEqual({ users: 480_189, movies: 17_770, ratings: 100_480_507 });
    expect(netflixShape(0.1)).toEqual({ users: 48_019, movies: 17_770, ratings: 10_048_051 });
  });
});
