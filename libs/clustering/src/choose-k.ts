import { type CsrMatrix, rowSquaredNorms } from './csr-matrix';
import { seededRandom } from './seeded-random';
import { type KMeansOptions, sparseKMeans } from './sparse-kmeans';

export interface KScore {
  k: number;
  inertia: number;
  silhouette: number;
  iterations: number;
  seconds: number;
}

export interface ScoreKsOptions extends Omit<KMeansOptions, 'k' | 'onIteration'> {
  /** Rows the silhouette is computed on (a seeded sample); default 1000. */
  silhouetteSample?: number;
  onScore?: (score: KScore) => void;
}

/** Clusters the matrix for every k and scores each: inertia (the elbow) and silhouette. */
export async function scoreKs(
  matrix: CsrMatrix,
  ks: readonly number[],
  options: ScoreKsOptions = {},
): Promise<KScore[]> {
  const { silhouetteSample = 1000, onScore, ...kmeans } = options;
  const scores: KScore[] = [];
  for (const k of ks) {
    const started = performance.now();
    const result = await sparseKMeans(matrix, { ...kmeans, k });
    const score: KScore = {
      k,
      inertia: result.inertia,
      silhouette: silhouetteScore(matrix, result.assignments, {
        sampleSize: silhouetteSample,
        seed: kmeans.seed ?? 0,
      }),
      iterations: result.iterations,
      seconds: (performance.now() - started) / 1000,
    };
    scores.push(score);
    onScore?.(score);
  }
  return scores;
}

export interface KChoice {
  scores: KScore[];
  /** The elbow of the inertia curve. */
  elbowK: number | undefined;
  /** The k with the highest silhouette. */
  bestSilhouetteK: number | undefined;
}

/**
 * Scores every k from `from` to `to` (those the matrix has rows for) and names the two
 * candidates: the elbow of the inertia curve and the best silhouette.
 */
export async function chooseK(
  matrix: CsrMatrix,
  [from, to]: readonly [number, number],
  options: ScoreKsOptions = {},
): Promise<KChoice> {
  const ks = Array.from({ length: to - from + 1 }, (_, i) => from + i).filter(
    (k) => k <= matrix.rows,
  );
  const scores = await scoreKs(matrix, ks, options);
  let best: KScore | undefined;
  for (const score of scores)
    if (best === undefined || score.silhouette > best.silhouette) best = score;
  return { scores, elbowK: elbowK(scores), bestSilhouetteK: best?.k };
}

/** The header of the table of scores that CLIs print as each k is scored. */
export const K_SCORE_HEADER = '   k        inertia  silhouette  seconds\n';

/** One row of that table. */
export const formatKScore = ({ k, inertia, silhouette, seconds }: KScore): string =>
  `${String(k).padStart(4)} ${inertia.toFixed(1).padStart(14)} ${silhouette.toFixed(4).padStart(11)} ${seconds.toFixed(2).padStart(8)}\n`;

/**
 * Mean silhouette of a seeded sample of rows, with distances and cluster means taken within the
 * sample (as scikit-learn's silhouette_score with sample_size). Rows alone in their cluster
 * within the sample score 0.
 */
export function silhouetteScore(
  matrix: CsrMatrix,
  assignments: Int32Array,
  { sampleSize = 1000, seed = 0 }: { sampleSize?: number; seed?: number } = {},
): number {
  const sample = sampleRows(matrix.rows, sampleSize, seed);
  const s = sample.length;
  const k = Math.max(...assignments) + 1;
  if (k < 2) return 0;
  const norms = rowSquaredNorms(matrix);
  const distances = new Float64Array(s * s);
  const dense = new Float64Array(matrix.cols);
  for (let i = 0; i < s; i++) {
    const ri = sample[i]!;
    for (let p = matrix.rowPtr[ri]!; p < matrix.rowPtr[ri + 1]!; p++)
      dense[matrix.colIndices[p]!] = matrix.values[p]!;
    for (let j = i + 1; j < s; j++) {
      const rj = sample[j]!;
      let dot = 0;
      for (let p = matrix.rowPtr[rj]!; p < matrix.rowPtr[rj + 1]!; p++)
        dot += matrix.values[p]! * dense[matrix.colIndices[p]!]!;
      const d = Math.sqrt(Math.max(0, norms[ri]! + norms[rj]! - 2 * dot));
      distances[i * s + j] = d;
      distances[j * s + i] = d;
    }
    for (let p = matrix.rowPtr[ri]!; p < matrix.rowPtr[ri + 1]!; p++)
      dense[matrix.colIndices[p]!] = 0;
  }
  const clusterCounts = new Int32Array(k);
  for (const row of sample) clusterCounts[assignments[row]!]!++;
  let total = 0;
  const sums = new Float64Array(k);
  for (let i = 0; i < s; i++) {
    sums.fill(0);
    for (let j = 0; j < s; j++)
      if (j !== i) sums[assignments[sample[j]!]!]! += distances[i * s + j]!;
    const own = assignments[sample[i]!]!;
    if (clusterCounts[own]! <= 1) continue;
    const a = sums[own]! / (clusterCounts[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++)
      if (c !== own && clusterCounts[c]! > 0) b = Math.min(b, sums[c]! / clusterCounts[c]!);
    if (b === Infinity) continue;
    const denominator = Math.max(a, b);
    total += denominator > 0 ? (b - a) / denominator : 0;
  }
  return total / s;
}

/**
 * The elbow of an inertia curve: the k farthest from the straight line between the first and the
 * last point, both axes scaled to [0, 1] (the "kneedle" rule).
 */
export function elbowK(scores: readonly Pick<KScore, 'k' | 'inertia'>[]): number | undefined {
  if (scores.length < 3) return scores[0]?.k;
  const first = scores[0]!;
  const last = scores[scores.length - 1]!;
  const spanK = last.k - first.k || 1;
  const spanInertia = first.inertia - last.inertia || 1;
  let best = first.k;
  let bestGap = -Infinity;
  for (const { k, inertia } of scores) {
    const x = (k - first.k) / spanK;
    const y = (first.inertia - inertia) / spanInertia;
    if (y - x > bestGap) {
      bestGap = y - x;
      best = k;
    }
  }
  return best;
}

function sampleRows(rows: number, size: number, seed: number): Int32Array {
  const all = Int32Array.from({ length: rows }, (_, i) => i);
  if (size >= rows) return all;
  const random = seededRandom(seed);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (rows - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, size).sort();
}
