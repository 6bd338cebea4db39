import { CentroidModel } from './centroid-model';
import { fromDense, normalizeRows, toDense } from './csr-matrix';

describe(CentroidModel.name, () => {
  // Two clusters over movies 10, 20, 30: one likes 10, the other 30.
  const centroids = Float32Array.of(1, 0, -1, -1, 0, 1);
  const movieIds = Int32Array.of(10, 20, 30);

  it('places a user in the cluster of the nearest centre, on centred values', () => {
    const sut = new CentroidModel(2, centroids, movieIds, 'centred');

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
    const sut = new CentroidModel(2, centroids, movieIds, 'raw', true);

    expect(
      sut.nearest([
        [10, 10],
        [30, 40],
      ]),
    ).toBe(1);
  });

  it('reads how values were made from a stored model description', () => {
    const sut = CentroidModel.fromStored({
      clusters: 2,
      centroids,
      movieIds,
      info: { values: 'binary', normalize: 'true' },
    });

    expect(sut.nearest([[30, 5]])).toBe(1);
    expect(() =>
      CentroidModel.fromStored({ clusters: 2, centroids, movieIds, info: { values: 'odd' } }),
    ).toThrow(/unknown matrix values/);
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
