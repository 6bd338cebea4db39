import { cloneCsr } from './csr-matrix';
import {
  applyMatrixValues,
  buildRatingMatrix,
  MATRIX_VALUES,
  type MatrixValues,
  type RatingColumns,
} from './rating-matrix';

const settings = (values: MatrixValues) => ({ values, favouriteMinRating: 4 });

/** User 7 rated movie 20 twice (5, then 3); user 3 rated two movies. */
const ratings: RatingColumns = {
  userIds: Int32Array.of(7, 3, 7, 3, 7),
  movieIds: Int32Array.of(20, 20, 10, 30, 20),
  ratings: Float32Array.of(5, 4, 2, 1, 3),
};

/** Row r as a dense list over the matrix's columns. */
const denseRows = ({ matrix }: ReturnType<typeof buildRatingMatrix>): number[][] =>
  Array.from({ length: matrix.rows }, (_, r) => {
    const row = new Array<number>(matrix.cols).fill(0);
    for (let p = matrix.rowPtr[r]!; p < matrix.rowPtr[r + 1]!; p++) {
      row[matrix.colIndices[p]!] = matrix.values[p]!;
    }
    return row;
  });

describe(buildRatingMatrix.name, () => {
  it('has the distinct ids in ascending order, and the last of repeated ratings', () => {
    const built = buildRatingMatrix(ratings, settings('raw'));

    expect([...built.userIds]).toEqual([3, 7]);
    expect([...built.movieIds]).toEqual([10, 20, 30]);
    expect(denseRows(built)).toEqual([
      [0, 4, 1],
      [2, 3, 0],
    ]);
  });

  it('centres each user on their mean, and marks favourites by the last rating', () => {
    expect(denseRows(buildRatingMatrix(ratings, settings('centred')))).toEqual([
      [0, 1.5, -1.5],
      [-0.5, 0.5, 0],
    ]);
    // User 7's 5 for movie 20 was replaced by a 3: no longer a favourite.
    expect(denseRows(buildRatingMatrix(ratings, settings('favourites')))).toEqual([
      [0, 1, 0],
      [0, 0, 0],
    ]);
    expect(denseRows(buildRatingMatrix(ratings, settings('binary')))).toEqual([
      [0, 1, 1],
      [1, 1, 0],
    ]);
  });

  it.each(MATRIX_VALUES)(
    'gives the values %s that applying them to the raw matrix gives, as the model builder does',
    (values) => {
      const raw = buildRatingMatrix(ratings, settings('raw'));
      const applied = { ...raw, matrix: cloneCsr(raw.matrix) };
      applyMatrixValues(applied.matrix, settings(values));

      expect(denseRows(applied)).toEqual(denseRows(buildRatingMatrix(ratings, settings(values))));
    },
  );
});
