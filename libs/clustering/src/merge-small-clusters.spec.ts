import { allocateCsr, type CsrMatrix } from './csr-matrix';
import { mergeSmallClusters } from './merge-small-clusters';

/** A CSR matrix of ones from lists of column indices per row. */
function rowsOf(lists: number[][], cols: number): CsrMatrix {
  const matrix = allocateCsr(lists.length, cols, lists.flat().length);
  let p = 0;
  lists.forEach((list, r) => {
    matrix.rowPtr[r] = p;
    for (const c of [...list].sort((a, b) => a - b)) {
      matrix.colIndices[p] = c;
      matrix.values[p++] = 1;
    }
  });
  matrix.rowPtr[lists.length] = p;
  return matrix;
}

describe(mergeSmallClusters.name, () => {
  // Cluster 0 loves movies 0-2, cluster 1 loves 3-5; cluster 2 holds one user who loves 4 and 5,
  // and sits nearer cluster 0's centre, so only the coverage rule sends them to cluster 1.
  const favourites = rowsOf(
    [
      [0, 1],
      [1, 2],
      [0, 2],
      [3, 4],
      [4, 5],
      [3, 5],
      [4, 5],
    ],
    6,
  );
  const matrix = rowsOf([[0], [0], [0], [5], [5], [5], [0]], 6);
  const centroids = Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
  const assignments = Int32Array.from([0, 0, 0, 1, 1, 1, 2]);

  it('moves users of a tiny cluster to the cluster whose favourites cover theirs best', () => {
    const sut = mergeSmallClusters({
      assignments,
      k: 3,
      favourites,
      matrix,
      centroids,
      minSize: 2,
    });

    expect([...sut.assignments]).toEqual([0, 0, 0, 1, 1, 1, 1]);
    expect(sut).toMatchObject({
      clusters: 2,
      survivors: [0, 1],
      moved: 1,
      sizesBefore: [3, 3, 1],
      sizesAfter: [3, 4],
    });
  });

  it('breaks coverage ties by the nearest centre', () => {
    const noFavourites = rowsOf([[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], []], 6);

    const sut = mergeSmallClusters({
      assignments,
      k: 3,
      favourites: noFavourites,
      matrix,
      centroids,
      minSize: 2,
    });

    expect(sut.assignments[6]).toBe(0);
  });

  it('leaves no cluster below the minimum', () => {
    const sut = mergeSmallClusters({
      assignments,
      k: 3,
      favourites,
      matrix,
      centroids,
      minSize: 4,
    });

    expect(Math.min(...sut.sizesAfter)).toBeGreaterThanOrEqual(4);
    expect(sut.sizesAfter.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('keeps one cluster when there are fewer users than the minimum', () => {
    const sut = mergeSmallClusters({
      assignments,
      k: 3,
      favourites,
      matrix,
      centroids,
      minSize: 50,
    });

    expect(sut.clusters).toBe(1);
    expect(new Set(sut.assignments)).toEqual(new Set([0]));
  });

  it('changes nothing when every cluster is big enough', () => {
    const sut = mergeSmallClusters({
      assignments,
      k: 3,
      favourites,
      matrix,
      centroids,
      minSize: 1,
    });

    expect(sut.assignments).toEqual(assignments);
    expect(sut.moved).toBe(0);
  });
});
