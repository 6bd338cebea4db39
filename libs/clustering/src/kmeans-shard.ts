import { type CsrMatrix } from './csr-matrix';

/**
 * Everything the k-means passes share, as views on SharedArrayBuffers: the coordinator and every
 * worker thread see the same memory, and each shard writes only its own rows and partial sums.
 */
export interface KMeansBuffers {
  matrix: CsrMatrix;
  /** The transpose (movie x user), for k-means++ candidate dots. */
  columns: CsrMatrix;
  k: number;
  maxCandidates: number;
  /** ||x||^2 per row. */
  rowNorms: Float64Array;
  /** Cluster of each row, -1 before the first assignment. */
  assignments: Int32Array;
  /** Hamerly bounds: distance to the assigned centre (upper) and to any other centre (lower). */
  upper: Float64Array;
  lower: Float64Array;
  /** k-means++: squared distance of each row to its nearest chosen centre. */
  minSquaredDistances: Float64Array;
  /** k-means++: squared distances of each row to each candidate centre, candidate-major. */
  candidateSquaredDistances: Float64Array;
  /** Centres, column-major (centres[col * k + c]) so one row's dots with all k are one sweep. */
  centres: Float32Array;
  centreNorms: Float64Array;
  /** Half the distance from each centre to its nearest other centre. */
  halfNearest: Float64Array;
  /** How far each centre moved in the last update. */
  shifts: Float64Array;
}

export interface ShardRange {
  start: number;
  end: number;
  /** This shard's per-cluster coordinate sums, row-major (sums[c * cols + col]), and sizes. */
  sums: Float64Array;
  counts: Float64Array;
}

export interface FarRow {
  row: number;
  distance: number;
}

/** First position in sorted[from, to) holding a value >= target (binary search). */
function firstAtLeast(sorted: Int32Array, from: number, to: number, target: number): number {
  let low = from;
  let high = to;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < target) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The k-means work on one contiguous range of rows. The same code runs in-process or inside a
 * worker thread (kmeans.worker.ts), so there is one kernel for both.
 *
 * Assignment uses Hamerly's bounds: a row whose upper bound is below both its lower bound and
 * half the distance from its centre to the nearest other centre cannot change cluster, and is
 * skipped without computing any distance. Distances come from sparse dot products against dense
 * centres: ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2.
 */
export class KMeansShard {
  private readonly dots: Float64Array;

  constructor(
    private readonly b: KMeansBuffers,
    private readonly range: ShardRange,
  ) {
    this.dots = new Float64Array(b.k);
  }

  resetRun(): void {
    const { start, end } = this.range;
    this.b.assignments.fill(-1, start, end);
    this.b.upper.fill(Infinity, start, end);
    this.b.lower.fill(0, start, end);
    this.b.minSquaredDistances.fill(Infinity, start, end);
    this.range.sums.fill(0);
    this.range.counts.fill(0);
  }

  /**
   * For each candidate row: the k-means++ potential (sum of min squared distances) if it were
   * chosen. Dots with the candidate come from the column view: only the columns the candidate
   * has are visited, a small fraction of the matrix (as a sparse product would).
   */
  candidatePotentials(candidateRows: number[]): number[] {
    const { matrix, columns, rowNorms, minSquaredDistances } = this.b;
    const { candidateSquaredDistances: out } = this.b;
    const { start, end } = this.range;
    const n = matrix.rows;
    return candidateRows.map((candidate, i) => {
      const offset = i * n;
      out.fill(0, offset + start, offset + end);
      for (let p = matrix.rowPtr[candidate]!; p < matrix.rowPtr[candidate + 1]!; p++) {
        const v = matrix.values[p]!;
        const col = matrix.colIndices[p]!;
        const colEnd = columns.rowPtr[col + 1]!;
        for (
          let q = firstAtLeast(columns.colIndices, columns.rowPtr[col]!, colEnd, start);
          q < colEnd;
          q++
        ) {
          const r = columns.colIndices[q]!;
          if (r >= end) break;
          out[offset + r]! += v * columns.values[q]!;
        }
      }
      const candidateNorm = rowNorms[candidate]!;
      let potential = 0;
      for (let r = start; r < end; r++) {
        const d2 = Math.max(0, rowNorms[r]! - 2 * out[offset + r]! + candidateNorm);
        out[offset + r] = d2;
        potential += d2 < minSquaredDistances[r]! ? d2 : minSquaredDistances[r]!;
      }
      return potential;
    });
  }

  /** Makes candidate i a centre: min distances take its distances into account. Returns the sum. */
  commitCandidate(i: number): number {
    const { minSquaredDistances, candidateSquaredDistances, matrix } = this.b;
    const offset = i * matrix.rows;
    let sum = 0;
    for (let r = this.range.start; r < this.range.end; r++) {
      const d2 = candidateSquaredDistances[offset + r]!;
      if (d2 < minSquaredDistances[r]!) minSquaredDistances[r] = d2;
      sum += minSquaredDistances[r]!;
    }
    return sum;
  }

  /** The row where the running sum of min distances passes target (D^2 sampling). */
  sampleByPotential(target: number): number {
    const { minSquaredDistances } = this.b;
    let sum = 0;
    for (let r = this.range.start; r < this.range.end; r++) {
      sum += minSquaredDistances[r]!;
      if (sum > target) return r;
    }
    return this.range.end - 1;
  }

  /**
   * One assignment pass. `maxShift`, `maxShiftCluster` and `secondShift` describe the last
   * centre update (all 0 and -1 before the first pass). Returns how many rows changed cluster.
   */
  assign(maxShift: number, maxShiftCluster: number, secondShift: number): number {
    const { matrix, k, rowNorms, assignments, upper, lower, centres, centreNorms } = this.b;
    const { halfNearest, shifts } = this.b;
    const { rowPtr, colIndices, values } = matrix;
    const dots = this.dots;
    let changed = 0;
    for (let r = this.range.start; r < this.range.end; r++) {
      const a = assignments[r]!;
      if (a >= 0) {
        upper[r] = upper[r]! + shifts[a]!;
        lower[r] = lower[r]! - (a === maxShiftCluster ? secondShift : maxShift);
        const bound = Math.max(halfNearest[a]!, lower[r]!);
        if (upper[r]! <= bound) continue;
        let dot = 0;
        for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++)
          dot += values[p]! * centres[colIndices[p]! * k + a]!;
        upper[r] = Math.sqrt(Math.max(0, rowNorms[r]! - 2 * dot + centreNorms[a]!));
        if (upper[r]! <= bound) continue;
      }
      this.dotsWith(r, centres, k);
      let best = -1;
      let bestD2 = Infinity;
      let secondD2 = Infinity;
      for (let c = 0; c < k; c++) {
        const d2 = rowNorms[r]! - 2 * dots[c]! + centreNorms[c]!;
        if (d2 < bestD2) {
          secondD2 = bestD2;
          bestD2 = d2;
          best = c;
        } else if (d2 < secondD2) {
          secondD2 = d2;
        }
      }
      upper[r] = Math.sqrt(Math.max(0, bestD2));
      lower[r] = Math.sqrt(Math.max(0, secondD2));
      if (best !== a) {
        this.moveRow(r, a, best);
        changed++;
      }
    }
    return changed;
  }

  /** Sum of squared distances of this shard's rows to their centres, computed exactly. */
  inertia(): number {
    const { matrix, k, rowNorms, assignments, centres, centreNorms } = this.b;
    const { rowPtr, colIndices, values } = matrix;
    let total = 0;
    for (let r = this.range.start; r < this.range.end; r++) {
      const a = assignments[r]!;
      let dot = 0;
      for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++)
        dot += values[p]! * centres[colIndices[p]! * k + a]!;
      total += Math.max(0, rowNorms[r]! - 2 * dot + centreNorms[a]!);
    }
    return total;
  }

  /** The rows farthest from their centres (by upper bound), for refilling empty clusters. */
  farthest(count: number): FarRow[] {
    const { upper, assignments } = this.b;
    const found: FarRow[] = [];
    for (let r = this.range.start; r < this.range.end; r++) {
      const distance = upper[r]!;
      if (found.length < count || distance > found[found.length - 1]!.distance) {
        if (this.range.counts[assignments[r]!]! <= 1) continue;
        found.push({ row: r, distance });
        found.sort((x, y) => y.distance - x.distance);
        if (found.length > count) found.pop();
      }
    }
    return found;
  }

  /** Puts a row in another cluster (empty-cluster repair); its bounds are reset. */
  reassign(row: number, cluster: number): void {
    this.moveRow(row, this.b.assignments[row]!, cluster);
    this.b.upper[row] = 0;
    this.b.lower[row] = 0;
  }

  private moveRow(r: number, from: number, to: number): void {
    const { matrix, assignments } = this.b;
    const { rowPtr, colIndices, values, cols } = matrix;
    const { sums, counts } = this.range;
    if (from >= 0) {
      const base = from * cols;
      for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) sums[base + colIndices[p]!]! -= values[p]!;
      counts[from]!--;
    }
    const base = to * cols;
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) sums[base + colIndices[p]!]! += values[p]!;
    counts[to]!++;
    assignments[r] = to;
  }

  /** dots[i] = row r . centre i, for m column-major centres. */
  private dotsWith(r: number, centresColMajor: Float32Array, m: number): void {
    const { rowPtr, colIndices, values } = this.b.matrix;
    const dots = this.dots;
    dots.fill(0, 0, m);
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
      const v = values[p]!;
      const base = colIndices[p]! * m;
      for (let i = 0; i < m; i++) dots[i]! += v * centresColMajor[base + i]!;
    }
  }
}
