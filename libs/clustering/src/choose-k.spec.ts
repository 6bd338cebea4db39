import { chooseK, elbowK, silhouetteScore } from './choose-k';
import { allocateCsr, type CsrMatrix } from './csr-matrix';

/** Two tight groups of points far apart on one axis. */
function twoGroups(): CsrMatrix {
  const xs = [0, 0.1, 0.2, 10, 10.1, 10.2];
  const matrix = allocateCsr(xs.length, 1, xs.length);
  xs.forEach((x, r) => {
    matrix.rowPtr[r] = r;
    matrix.colIndices[r] = 0;
    matrix.values[r] = x;
  });
  matrix.rowPtr[xs.length] = xs.length;
  return matrix;
}

describe(silhouetteScore.name, () => {
  it('is near 1 for well separated clusters and negative for a wrong split', () => {
    const matrix = twoGroups();

    const good = silhouetteScore(matrix, Int32Array.from([0, 0, 0, 1, 1, 1]));
    const bad = silhouetteScore(matrix, Int32Array.from([0, 1, 0, 1, 0, 1]));

    expect(good).toBeGreaterThan(0.95);
    expect(bad).toBeLessThan(0);
  });

  it('matches the textbook value on a small case', () => {
    // Point 0: a = (0.1 + 0.2) / 2, b = (10 + 10.1 + 10.2) / 3; the others likewise, and the
    // second group mirrors the first.
    const matrix = twoGroups();
    const expected = [(10.1 - 0.15) / 10.1, (10 - 0.1) / 10, (9.9 - 0.15) / 9.9];

    const sut = silhouetteScore(matrix, Int32Array.from([0, 0, 0, 1, 1, 1]));

    expect(sut).toBeCloseTo(expected.reduce((a, x) => a + x, 0) / 3, 6);
  });
});

describe(elbowK.name, () => {
  it('finds the bend of an inertia curve', () => {
    const curve = [100, 40, 12, 10, 9, 8.5, 8].map((inertia, i) => ({ k: i + 1, inertia }));

    expect(elbowK(curve)).toBe(3);
  });
});

describe(chooseK.name, () => {
  it('scores the ks the matrix has rows for and picks the best silhouette', async () => {
    const choice = await chooseK(twoGroups(), [2, 9], { seed: 1, restarts: 1, threads: 1 });

    expect(choice.scores.map((score) => score.k)).toEqual([2, 3, 4, 5, 6]);
    const best = Math.max(...choice.scores.map((score) => score.silhouette));
    expect(choice.scores.find((score) => score.k === choice.bestSilhouetteK)?.silhouette).toBe(
      best,
    );
    // The two planted groups: nothing separates them better than k = 2.
    expect(choice.bestSilhouetteK).toBe(2);
    expect(choice.elbowK).toBe(elbowK(choice.scores));
  });
});
