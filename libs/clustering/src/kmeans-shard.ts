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
  /**
   * Elkan's bounds: an upper bound on each row's distance to its centre, and a lower bound on its
   * distance to every centre (row-major, lower[row * k + c]).
   */
  upper: Float64Array;
  lower: Float64Array;
  /** k-means++: squared distance of each row to its nearest chosen centre. */
  minSquaredDistances: Float64Array;
  /** k-means++: squared distances of each row to each candidate centre, candidate-major. */
  candidateSquaredDistances: Float64Array;
  /**
   * Centres, row-major (centres[c * cols + col]): a dot product with one centre reads one
   * contiguous row of `cols` floats, which stays in cache while a sparse row jumps about in it.
   */
  centres: Float32Array;
  centreNorms: Float64Array;
  /** Half the distance from each centre to its nearest other centre. */
  halfNearest: Float64Array;
  /** Half the distance between every two centres, halfDistances[c1 * k + c2]. */
  halfDistances: Float64Array;
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
 * Assignment uses Elkan's bounds: a row whose upper bound is within half the distance from its
 * centre to the nearest other centre cannot change cluster and is skipped outright; otherwise a
 * centre is only tried when the row's lower bound to it, and half the distance between the two
 * centres, are both below the upper bound. In high dimensions, where all distances are alike and
 * a single lower bound (Hamerly) rarely prunes, per-centre bounds still skip most centres.
 * Distances come from sparse dot products against dense centres: ||x - c||^2 = ||x||^2 - 2 x.c
 * + ||c||^2.
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
    this.b.lower.fill(0, start * this.b.k, end * this.b.k);
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

  /** One assignment pass against centres that moved by `shifts`; returns rows that changed. */
  assign(): number {
    const { k, rowNorms, assignments, upper, lower, centreNorms } = this.b;
    const { halfNearest, halfDistances, shifts } = this.b;
    const dots = this.dots;
    let changed = 0;
    for (let r = this.range.start; r < this.range.end; r++) {
      const from = assignments[r]!;
      const bounds = r * k;
      if (from < 0) {
        this.dotsWithAll(r);
        let best = 0;
        let bestD = Infinity;
        for (let c = 0; c < k; c++) {
          const d = Math.sqrt(Math.max(0, rowNorms[r]! - 2 * dots[c]! + centreNorms[c]!));
          lower[bounds + c] = d;
          if (d < bestD) {
            bestD = d;
            best = c;
          }
        }
        upper[r] = bestD;
        this.moveRow(r, from, best);
        changed++;
        continue;
      }
      for (let c = 0; c < k; c++) lower[bounds + c] = Math.max(0, lower[bounds + c]! - shifts[c]!);
      let a = from;
      let u = upper[r]! + shifts[a]!;
      if (u <= halfNearest[a]!) {
        upper[r] = u;
        continue;
      }
      let tight = false;
      for (let c = 0; c < k; c++) {
        if (c === a || u <= lower[bounds + c]! || u <= halfDistances[a * k + c]!) continue;
        if (!tight) {
          u = Math.sqrt(Math.max(0, rowNorms[r]! - 2 * this.dotWith(r, a) + centreNorms[a]!));
          lower[bounds + a] = u;
          tight = true;
          if (u <= lower[bounds + c]! || u <= halfDistances[a * k + c]!) continue;
        }
        const d = Math.sqrt(Math.max(0, rowNorms[r]! - 2 * this.dotWith(r, c) + centreNorms[c]!));
        lower[bounds + c] = d;
        if (d < u) {
          a = c;
          u = d;
        }
      }
      upper[r] = u;
      if (a !== from) {
        this.moveRow(r, from, a);
        changed++;
      }
    }
    return changed;
  }

  /** Sum of squared distances of this shard's rows to their centres, computed exactly. */
  inertia(): number {
    const { matrix, rowNorms, assignments, centres, centreNorms } = this.b;
    const { rowPtr, colIndices, values, cols } = matrix;
    let total = 0;
    for (let r = this.range.start; r < this.range.end; r++) {
      const a = assignments[r]!;
      let dot = 0;
      for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++)
        dot += values[p]! * centres[a * cols + colIndices[p]!]!;
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

  /** Puts a row in another cluster (empty-cluster repair): it is that centre, at distance 0. */
  reassign(row: number, cluster: number): void {
    const { k, upper, lower } = this.b;
    this.moveRow(row, this.b.assignments[row]!, cluster);
    upper[row] = 0;
    lower.fill(0, row * k, row * k + k);
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

  /** Row r . centre c. */
  private dotWith(r: number, c: number): number {
    const { matrix, centres } = this.b;
    const { rowPtr, colIndices, values, cols } = matrix;
    const base = c * cols;
    let dot = 0;
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++)
      dot += values[p]! * centres[base + colIndices[p]!]!;
    return dot;
  }

  /** dots[c] = row r . centre c, for every centre, one centre row at a time. */
  private dotsWithAll(r: number): void {
    for (let c = 0; c < this.b.k; c++) this.dots[c] = this.dotWith(r, c);
  }
}
