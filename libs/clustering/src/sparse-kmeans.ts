import { availableParallelism } from 'node:os';
import { type CsrMatrix, nonZeros, rowSquaredNorms, transpose } from './csr-matrix';
import { type KMeansBuffers, KMeansShard, type ShardRange } from './kmeans-shard';
import { seededRandom } from './seeded-random';
import { startWorker } from './worker-rpc';

export interface KMeansOptions {
  k: number;
  /** Seed of every random choice; equal seeds give equal results. */
  seed?: number;
  /** Independent k-means++ starts; the one with the lowest inertia wins. */
  restarts?: number;
  maxIterations?: number;
  /**
   * Convergence tolerance, relative as in scikit-learn: a run stops when the squared centre
   * shifts sum to at most tolerance x the mean column variance, or when no row changes cluster.
   */
  tolerance?: number;
  /**
   * Worker threads (1 runs in-process). Defaults to the available cores, or 1 below
   * IN_PROCESS_NON_ZEROS, where starting workers costs more than the work they would share.
   */
  threads?: number;
  /** Candidates tried per k-means++ centre (greedy k-means++); default 2 + ln(k). */
  candidatesPerCentre?: number;
  onIteration?: (progress: KMeansProgress) => void;
}

export interface KMeansProgress {
  restart: number;
  iteration: number;
  changed: number;
  shift: number;
}

export interface KMeansResult {
  /** Cluster of each row. */
  assignments: Int32Array;
  /** Centres, row-major: centroids[c * cols + col]. */
  centroids: Float64Array;
  sizes: Int32Array;
  /** Sum of squared distances of rows to their centres. */
  inertia: number;
  /** Iterations of the winning restart. */
  iterations: number;
  converged: boolean;
  /** Inertia of every restart, in order. */
  restartInertias: number[];
}

/** Below this many non-zeros one thread is faster (measured on MovieLens latest-small, 100k). */
const IN_PROCESS_NON_ZEROS = 1_000_000;

const DEFAULTS = {
  seed: 0,
  restarts: 3,
  maxIterations: 300,
  tolerance: 1e-4,
} as const;

/**
 * k-means over a sparse matrix, for millions of rows: greedy k-means++ seeding, Lloyd iterations
 * with Elkan's bounds (most rows skip most distance work after the first passes), incremental
 * centre sums, empty-cluster repair, restarts keeping the best inertia, and the rows split over
 * worker threads sharing memory.
 */
export async function sparseKMeans(
  matrix: CsrMatrix,
  options: KMeansOptions,
): Promise<KMeansResult> {
  const k = options.k;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (k > matrix.rows) throw new RangeError(`k (${k}) exceeds the number of rows (${matrix.rows})`);
  const settings = {
    ...DEFAULTS,
    threads: nonZeros(matrix) < IN_PROCESS_NON_ZEROS ? 1 : availableParallelism(),
    candidatesPerCentre: 2 + Math.floor(Math.log(k)),
    ...definedOnly(options),
  };
  const buffers = allocateBuffers(matrix, k, settings.candidatesPerCentre);
  const shards = await startShards(buffers, partitionRows(matrix, settings.threads));
  try {
    const absoluteTolerance = settings.tolerance * meanColumnVariance(matrix);
    let best: KMeansResult | undefined;
    const restartInertias: number[] = [];
    for (let restart = 0; restart < settings.restarts; restart++) {
      const random = seededRandom(settings.seed * 1_000_003 + restart);
      await Promise.all(shards.map((s) => s.call('resetRun')));
      await seedCentres(buffers, shards, random, settings.candidatesPerCentre);
      const run = await iterate(buffers, shards, {
        maxIterations: settings.maxIterations,
        absoluteTolerance,
        onIteration: (p) => settings.onIteration?.({ restart, ...p }),
      });
      restartInertias.push(run.inertia);
      if (best === undefined || run.inertia < best.inertia) {
        best = {
          assignments: buffers.assignments.slice(),
          centroids: Float64Array.from(buffers.centres),
          sizes: run.sizes,
          inertia: run.inertia,
          iterations: run.iterations,
          converged: run.converged,
          restartInertias,
        };
      }
    }
    return { ...best!, restartInertias };
  } finally {
    await Promise.all(shards.map((s) => s.close()));
  }
}

interface Shard {
  range: ShardRange;
  call<M extends keyof KMeansShard>(
    method: M,
    ...args: Parameters<KMeansShard[M]>
  ): Promise<ReturnType<KMeansShard[M]>>;
  close(): Promise<void>;
}

function allocateBuffers(matrix: CsrMatrix, k: number, maxCandidates: number): KMeansBuffers {
  const n = matrix.rows;
  const shared = <T>(Type: new (buffer: SharedArrayBuffer) => T, bytes: number): T =>
    new Type(new SharedArrayBuffer(bytes));
  const norms = shared(Float64Array, 8 * n);
  norms.set(rowSquaredNorms(matrix));
  return {
    matrix,
    columns: transpose(matrix),
    k,
    maxCandidates,
    rowNorms: norms,
    assignments: shared(Int32Array, 4 * n),
    upper: shared(Float64Array, 8 * n),
    lower: shared(Float64Array, 8 * n * k),
    minSquaredDistances: shared(Float64Array, 8 * n),
    candidateSquaredDistances: shared(Float64Array, 8 * n * maxCandidates),
    centres: shared(Float32Array, 4 * k * matrix.cols),
    centreNorms: shared(Float64Array, 8 * k),
    halfNearest: shared(Float64Array, 8 * k),
    halfDistances: shared(Float64Array, 8 * k * k),
    shifts: shared(Float64Array, 8 * k),
  };
}

/** Contiguous row ranges with about equal numbers of non-zeros. */
function partitionRows(matrix: CsrMatrix, parts: number): { start: number; end: number }[] {
  const count = Math.max(1, Math.min(parts, matrix.rows));
  const total = nonZeros(matrix);
  const ranges: { start: number; end: number }[] = [];
  let start = 0;
  for (let i = 1; i <= count; i++) {
    let end = matrix.rows;
    if (i < count) {
      const target = (total * i) / count;
      end = start;
      while (end < matrix.rows && matrix.rowPtr[end]! < target) end++;
      end = Math.max(end, start + 1);
    }
    ranges.push({ start, end });
    start = end;
    if (start >= matrix.rows) break;
  }
  return ranges;
}

async function startShards(
  buffers: KMeansBuffers,
  ranges: { start: number; end: number }[],
): Promise<Shard[]> {
  const size = buffers.k * buffers.matrix.cols;
  return Promise.all(
    ranges.map((bounds) => {
      const range: ShardRange = {
        ...bounds,
        sums: new Float64Array(new SharedArrayBuffer(8 * size)),
        counts: new Float64Array(new SharedArrayBuffer(8 * buffers.k)),
      };
      return ranges.length === 1
        ? Promise.resolve(localShard(buffers, range))
        : workerShard(buffers, range);
    }),
  );
}

function localShard(buffers: KMeansBuffers, range: ShardRange): Shard {
  const shard = new KMeansShard(buffers, range);
  return {
    range,
    call: (method, ...args) =>
      Promise.resolve((shard[method].bind(shard) as (...a: unknown[]) => never)(...args)),
    close: () => Promise.resolve(),
  };
}

async function workerShard(buffers: KMeansBuffers, range: ShardRange): Promise<Shard> {
  const worker = await startWorker(
    __dirname,
    'kmeans.worker',
    { buffers, range },
    'k-means worker',
  );
  return {
    range,
    call: (method, ...args) => worker.call(method, args) as Promise<never>,
    close: () => worker.close(),
  };
}

/** Greedy k-means++ (as scikit-learn): each centre is the best of several D^2-sampled rows. */
async function seedCentres(
  b: KMeansBuffers,
  shards: Shard[],
  random: () => number,
  trials: number,
): Promise<void> {
  const { matrix, k } = b;
  const chosen: number[] = [Math.floor(random() * matrix.rows)];
  await Promise.all(shards.map((s) => s.call('candidatePotentials', chosen)));
  let shardSums = await Promise.all(shards.map((s) => s.call('commitCandidate', 0)));
  while (chosen.length < k) {
    const total = shardSums.reduce((a, x) => a + x, 0);
    const candidates: number[] = [];
    for (let t = 0; t < trials; t++) {
      candidates.push(
        total > 0
          ? await sampleRow(shards, shardSums, random() * total)
          : Math.floor(random() * matrix.rows),
      );
    }
    const perShard = await Promise.all(
      shards.map((s) => s.call('candidatePotentials', candidates)),
    );
    let bestTrial = 0;
    let bestPotential = Infinity;
    for (let t = 0; t < candidates.length; t++) {
      const potential = perShard.reduce((a, p) => a + p[t]!, 0);
      if (potential < bestPotential) {
        bestPotential = potential;
        bestTrial = t;
      }
    }
    shardSums = await Promise.all(shards.map((s) => s.call('commitCandidate', bestTrial)));
    chosen.push(candidates[bestTrial]!);
  }
  loadRowsAsCentres(b, chosen);
}

async function sampleRow(shards: Shard[], shardSums: number[], target: number): Promise<number> {
  let rest = target;
  for (let i = 0; i < shards.length; i++) {
    if (rest < shardSums[i]! || i === shards.length - 1)
      return shards[i]!.call('sampleByPotential', rest);
    rest -= shardSums[i]!;
  }
  throw new Error('unreachable: no shards');
}

function loadRowsAsCentres(b: KMeansBuffers, rows: number[]): void {
  scatterRows(b.matrix, rows, b.centres, b.centreNorms);
}

function scatterRows(
  matrix: CsrMatrix,
  rows: number[],
  target: Float32Array,
  norms: Float64Array,
): void {
  const m = rows.length;
  target.fill(0, 0, m * matrix.cols);
  rows.forEach((row, i) => {
    let norm = 0;
    for (let p = matrix.rowPtr[row]!; p < matrix.rowPtr[row + 1]!; p++) {
      const v = matrix.values[p]!;
      target[i * matrix.cols + matrix.colIndices[p]!] = v;
      norm += v * v;
    }
    norms[i] = norm;
  });
}

interface RunResult {
  inertia: number;
  iterations: number;
  converged: boolean;
  sizes: Int32Array;
}

async function iterate(
  b: KMeansBuffers,
  shards: Shard[],
  settings: {
    maxIterations: number;
    absoluteTolerance: number;
    onIteration: (p: { iteration: number; changed: number; shift: number }) => void;
  },
): Promise<RunResult> {
  b.shifts.fill(0);
  let iterations = 0;
  let converged = false;
  while (iterations < settings.maxIterations) {
    iterations++;
    updateHalfNearest(b);
    const changed = sum(await Promise.all(shards.map((s) => s.call('assign'))));
    await repairEmptyClusters(b, shards);
    const shift = updateCentres(b, shards);
    settings.onIteration({ iteration: iterations, changed, shift });
    if (changed === 0 || shift <= settings.absoluteTolerance) {
      converged = true;
      break;
    }
  }
  // A last assignment against the final centres, so labels and centres agree.
  updateHalfNearest(b);
  await Promise.all(shards.map((s) => s.call('assign')));
  await repairEmptyClusters(b, shards);
  updateCentres(b, shards);
  const inertia = sum(await Promise.all(shards.map((s) => s.call('inertia'))));
  return { inertia, iterations, converged, sizes: clusterSizes(b, shards) };
}

async function repairEmptyClusters(b: KMeansBuffers, shards: Shard[]): Promise<void> {
  const sizes = clusterSizes(b, shards);
  const empty = [...sizes.keys()].filter((c) => sizes[c] === 0);
  if (empty.length === 0) return;
  const far = (
    await Promise.all(
      shards.map((s, i) =>
        s.call('farthest', empty.length).then((rows) => rows.map((r) => ({ ...r, shard: i }))),
      ),
    )
  )
    .flat()
    .sort((x, y) => y.distance - x.distance);
  for (const [i, cluster] of empty.entries()) {
    const donor = far[i];
    if (donor === undefined) break;
    await shards[donor.shard]!.call('reassign', donor.row, cluster);
  }
}

/** New centres from the shards' sums; returns the sum of squared shifts. */
function updateCentres(b: KMeansBuffers, shards: Shard[]): number {
  const { k, matrix, centres, centreNorms, shifts } = b;
  const cols = matrix.cols;
  const counts = new Float64Array(k);
  for (const { range } of shards) for (let c = 0; c < k; c++) counts[c]! += range.counts[c]!;
  let totalShift = 0;
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) {
      shifts[c] = 0;
      continue;
    }
    let shift2 = 0;
    let norm = 0;
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (const { range } of shards) s += range.sums[c * cols + j]!;
      // Centres are stored as float32; norms and shifts use the stored values.
      const value = Math.fround(s / counts[c]!);
      const delta = value - centres[c * cols + j]!;
      shift2 += delta * delta;
      norm += value * value;
      centres[c * cols + j] = value;
    }
    shifts[c] = Math.sqrt(shift2);
    centreNorms[c] = norm;
    totalShift += shift2;
  }
  return totalShift;
}

/** Half the distance between every two centres, and from each to its nearest other. */
function updateHalfNearest(b: KMeansBuffers): void {
  const { k, matrix, centres, centreNorms, halfNearest, halfDistances } = b;
  const cols = matrix.cols;
  const dots = new Float64Array(k * k);
  for (let c1 = 0; c1 < k; c1++) {
    for (let c2 = c1 + 1; c2 < k; c2++) {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += centres[c1 * cols + j]! * centres[c2 * cols + j]!;
      dots[c1 * k + c2] = dot;
    }
  }
  halfNearest.fill(Infinity);
  for (let c1 = 0; c1 < k; c1++) {
    halfDistances[c1 * k + c1] = 0;
    for (let c2 = c1 + 1; c2 < k; c2++) {
      const squared = centreNorms[c1]! + centreNorms[c2]! - 2 * dots[c1 * k + c2]!;
      const half = Math.sqrt(Math.max(0, squared)) / 2;
      halfDistances[c1 * k + c2] = half;
      halfDistances[c2 * k + c1] = half;
      if (half < halfNearest[c1]!) halfNearest[c1] = half;
      if (half < halfNearest[c2]!) halfNearest[c2] = half;
    }
  }
}

function clusterSizes(b: KMeansBuffers, shards: Shard[]): Int32Array {
  const sizes = new Int32Array(b.k);
  for (const { range } of shards) for (let c = 0; c < b.k; c++) sizes[c]! += range.counts[c]!;
  return sizes;
}

/** Mean over columns of the column variance, counting absent entries as zeros (as scikit-learn). */
export function meanColumnVariance(matrix: CsrMatrix): number {
  const sums = new Float64Array(matrix.cols);
  const squares = new Float64Array(matrix.cols);
  const nnz = nonZeros(matrix);
  for (let p = 0; p < nnz; p++) {
    const v = matrix.values[p]!;
    sums[matrix.colIndices[p]!]! += v;
    squares[matrix.colIndices[p]!]! += v * v;
  }
  let total = 0;
  for (let j = 0; j < matrix.cols; j++) {
    const mean = sums[j]! / matrix.rows;
    total += squares[j]! / matrix.rows - mean * mean;
  }
  return total / matrix.cols;
}

const sum = (values: number[]): number => values.reduce((a, x) => a + x, 0);

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
