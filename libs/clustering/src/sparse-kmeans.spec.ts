import { allocateCsr, type CsrMatrix } from './csr-matrix';
import { seededRandom } from './seeded-random';
import { type KMeansOptions, sparseKMeans } from './sparse-kmeans';
import { generateSyntheticRatings } from './synthetic-ratings';

/** Rows drawn around `groups` planted centres, each on its own block of columns. */
function plantedMatrix(
  groups: number,
  rowsPerGroup: number,
  seed: number,
): { matrix: CsrMatrix; truth: Int32Array } {
  const random = seededRandom(seed);
  const block = 6;
  const rows = groups * rowsPerGroup;
  const matrix = allocateCsr(rows, groups * block, rows * block);
  const truth = new Int32Array(rows);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    const group = r % groups;
    truth[r] = group;
    matrix.rowPtr[r] = p;
    for (let j = 0; j < block; j++) {
      matrix.colIndices[p] = group * block + j;
      matrix.values[p++] = 3 + random();
    }
  }
  matrix.rowPtr[rows] = p;
  return { matrix, truth };
}

/** True when two labelings define the same partition (up to renaming the clusters). */
function samePartition(a: Int32Array, b: Int32Array): boolean {
  const forward = new Map<number, number>();
  const backward = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((forward.get(a[i]!) ?? b[i]) !== b[i] || (backward.get(b[i]!) ?? a[i]) !== a[i])
      return false;
    forward.set(a[i]!, b[i]!);
    backward.set(b[i]!, a[i]!);
  }
  return true;
}

// Threaded runs start worker threads that compile their TypeScript on start-up.
jest.setTimeout(30_000);

describe(sparseKMeans.name, () => {
  it.each([1, 2])('recovers planted clusters with %i thread(s)', async (threads) => {
    const { matrix, truth } = plantedMatrix(5, 40, 3);

    const sut = await sparseKMeans(matrix, { k: 5, seed: 9, threads });

    expect(samePartition(sut.assignments, truth)).toBe(true);
    expect([...sut.sizes]).toEqual([40, 40, 40, 40, 40]);
    expect(sut.converged).toBe(true);
  });

  it('gives the same result for the same seed, and keeps the best restart', async () => {
    const { matrix } = generateSyntheticRatings({
      users: 400,
      movies: 120,
      ratings: 8_000,
      seed: 4,
    });
    const options: KMeansOptions = { k: 6, seed: 21, restarts: 3, threads: 2 };

    const first = await sparseKMeans(matrix, options);
    const second = await sparseKMeans(matrix, options);

    expect(second.assignments).toEqual(first.assignments);
    expect(second.inertia).toBe(first.inertia);
    expect(first.inertia).toBe(Math.min(...first.restartInertias));
    expect(first.restartInertias).toHaveLength(3);
  });

  it('reports the inertia of its assignments and centres', async () => {
    const { matrix } = generateSyntheticRatings({
      users: 300,
      movies: 80,
      ratings: 5_000,
      seed: 5,
    });

    const sut = await sparseKMeans(matrix, { k: 4, seed: 1, threads: 1 });

    let inertia = 0;
    for (let r = 0; r < matrix.rows; r++) {
      const dense = new Float64Array(matrix.cols);
      for (let p = matrix.rowPtr[r]!; p < matrix.rowPtr[r + 1]!; p++)
        dense[matrix.colIndices[p]!] = matrix.values[p]!;
      const c = sut.assignments[r]!;
      for (let j = 0; j < matrix.cols; j++)
        inertia += (dense[j]! - sut.centroids[c * matrix.cols + j]!) ** 2;
    }
    expect(sut.inertia).toBeCloseTo(inertia, 6);
  });

  it('fills clusters that k-means++ could only seed with duplicate points', async () => {
    const matrix = allocateCsr(12, 2, 12);
    for (let r = 0; r < 12; r++) {
      matrix.rowPtr[r] = r;
      matrix.colIndices[r] = r < 6 ? 0 : 1;
      matrix.values[r] = 1;
    }
    matrix.rowPtr[12] = 12;

    const sut = await sparseKMeans(matrix, { k: 4, seed: 2, threads: 1 });

    expect(Math.min(...sut.sizes)).toBeGreaterThanOrEqual(1);
    expect([...sut.sizes].reduce((a, s) => a + s, 0)).toBe(12);
  });

  it('rejects a k larger than the number of rows', async () => {
    const { matrix } = plantedMatrix(2, 2, 1);

    await expect(sparseKMeans(matrix, { k: 5 })).rejects.toThrow(RangeError);
  });
});
