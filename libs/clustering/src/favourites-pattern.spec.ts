import { fromDense } from './csr-matrix';
import { favouritesPattern } from './favourites-pattern';

describe(favouritesPattern.name, () => {
  const rowsOf = ({ rows, rowPtr, colIndices }: ReturnType<typeof favouritesPattern>) =>
    Array.from({ length: rows }, (_, r) => [...colIndices.subarray(rowPtr[r], rowPtr[r + 1])]);

  it('merges ratings at the threshold and explicit favourites, each column once, in order', () => {
    const ratings = fromDense([
      [4, 3.5, 0, 5],
      [0, 0, 0, 0],
      [1, 4.5, 2, 0],
    ]);
    const explicit = fromDense([
      [0, 1, 0, 1],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ]);

    const sut = favouritesPattern(ratings, explicit, 4);

    // Row 0: 4 and 5 by rating, 1 explicitly, 3 both ways; row 1: explicit only; row 2: 4.5.
    expect(rowsOf(sut)).toEqual([[0, 1, 3], [2], [1]]);
    expect(sut.cols).toBe(4);
  });

  it('follows the threshold it is given', () => {
    const ratings = fromDense([[3, 3.5, 4]]);
    const none = fromDense([[0, 0, 0]]);

    expect(rowsOf(favouritesPattern(ratings, none, 3.5))).toEqual([[1, 2]]);
    expect(rowsOf(favouritesPattern(ratings, none, 5))).toEqual([[]]);
  });
});
