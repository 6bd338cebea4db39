import { CentroidModel, type RowSettings } from './centroid-model';
import { fromDense, normalizeRows, toDense } from './csr-matrix';

describe(CentroidModel.name, () => {
  // Two clusters over movies 10, 20, 30: one likes 10, the other 30.
  const centroids = Float32Array.of(1, 0, -1, -1, 0, 1);
  const movieIds = Float64Array.of(10, 20, 30);
  const rows = (overrides: Partial<RowSettings> = {}): RowSettings => ({
    values: 'centred',
    normalize: false,
    favouriteMinRating: 4,
    ...overrides,
  });

  it('places a user in the cluster of the nearest centre, on centred values', () => {
    const sut = new CentroidModel(2, centroids, movieIds, rows());

    expect(
      sut.nearest([
        [10, 5],
        [30, 1],
      ]),
    ).toBe(0);
    expect(
      sut.nearest([
        [10, 2],
        [30, 5],
        [99, 3],
      ]),
    ).toBe(1);
  });

  it('scales the user to unit length when the model was built on unit rows', () => {
    // Far from both centres unscaled, the user is still on cluster 1's side once scaled.
    const sut = new CentroidModel(2, centroids, movieIds, rows({ values: 'raw', normalize: true }));

    expect(
      sut.nearest([
        [10, 10],
        [30, 40],
      ]),
    ).toBe(1);
  });

  it('turns ratings into values by the rules of its model', () => {
    const binary = new CentroidModel(2, centroids, movieIds, rows({ values: 'binary' }));
    // Only ratings of 3.5 or more are favourites here: the 3 for movie 10 counts for nothing.
    const favourites = new CentroidModel(
      2,
      centroids,
      movieIds,
      rows({ values: 'favourites', favouriteMinRating: 3.5 }),
    );

    expect(binary.nearest([[30, 5]])).toBe(1);
    expect(
      favourites.nearest([
        [10, 3],
        [30, 3.5],
      ]),
    ).toBe(1);
  });

  it('says nothing when the ratings say nothing in its terms', () => {
    const sut = new CentroidModel(2, centroids, movieIds, rows());

    // One centred rating is zero; so are equal ratings.
    expect(sut.nearest([[10, 5]])).toBeUndefined();
    expect(
      sut.nearest([
        [10, 3],
        [30, 3],
      ]),
    ).toBeUndefined();
    expect(sut.nearest([])).toBeUndefined();
  });
});

describe(normalizeRows.name, () => {
  it('scales each non-empty row to unit length and leaves empty rows alone', () => {
    const matrix = fromDense([
      [3, 0, 4],
      [0, 0, 0],
      [0, 2, 0],
    ]);

    normalizeRows(matrix);

    expect(toDense(matrix)).toEqual([
      [expect.closeTo(0.6), 0, expect.closeTo(0.8)],
      [0, 0, 0],
      [0, 1, 0],
    ]);
  });
});
