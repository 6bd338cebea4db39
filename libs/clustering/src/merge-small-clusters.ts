import { type CsrMatrix, type CsrPattern } from './csr-matrix';

export interface MergeSmallClustersInput {
  /** Cluster of each row (user). */
  assignments: Int32Array;
  k: number;
  /** Each row's favourite movies as column indices: row r's are favourites.colIndices[rowPtr[r]..]. */
  favourites: CsrPattern;
  /** The clustered matrix and its centres (row-major), for the nearest-centre tie-break. */
  matrix: CsrMatrix;
  centroids: Float64Array;
  minSize: number;
  /**
   * A movie is one of a cluster's favourites when at least this share of the cluster's users
   * favour it (and at least one does).
   */
  favouriteShare?: number;
}

export interface MergeSmallClustersResult {
  /** Cluster of each row, renumbered 0..clusters-1 in order of the surviving old ids. */
  assignments: Int32Array;
  clusters: number;
  /** Old cluster id of each new cluster. */
  survivors: number[];
  /** Rows that changed cluster. */
  moved: number;
  sizesBefore: number[];
  sizesAfter: number[];
}

/**
 * Dissolves clusters smaller than `minSize`, smallest first. Each of a dissolved cluster's users
 * moves to the remaining cluster whose favourite movies cover the largest share of the user's own
 * favourites; ties (users without favourites among them) go to the nearest centre. Afterwards no
 * cluster is below the minimum, unless there are fewer users than the minimum (then one remains).
 */
export function mergeSmallClusters(input: MergeSmallClustersInput): MergeSmallClustersResult {
  const { k, favourites, minSize, favouriteShare = 0.1 } = input;
  const assignments = input.assignments.slice();
  const members = Array.from({ length: k }, () => [] as number[]);
  assignments.forEach((c, row) => members[c]!.push(row));
  const sizesBefore = members.map((m) => m.length);
  const favouriteCounts = members.map((rows) => {
    const counts = new Map<number, number>();
    for (const row of rows)
      forEachFavourite(favourites, row, (movie) => counts.set(movie, (counts.get(movie) ?? 0) + 1));
    return counts;
  });
  const alive = new Set(members.flatMap((rows, c) => (rows.length > 0 ? [c] : [])));
  let moved = 0;

  for (;;) {
    const smallest = [...alive].sort((a, b) => members[a]!.length - members[b]!.length || a - b)[0];
    if (smallest === undefined || alive.size <= 1 || members[smallest]!.length >= minSize) break;
    alive.delete(smallest);
    const targets = [...alive];
    const coverageSets = targets.map((c) =>
      clusterFavourites(favouriteCounts[c]!, members[c]!.length, favouriteShare),
    );
    for (const row of members[smallest]!) {
      const target = bestTarget(row, targets, coverageSets, input);
      members[target]!.push(row);
      assignments[row] = target;
      forEachFavourite(favourites, row, (movie) =>
        favouriteCounts[target]!.set(movie, (favouriteCounts[target]!.get(movie) ?? 0) + 1),
      );
      moved++;
    }
    members[smallest] = [];
  }

  const survivors = [...alive].sort((a, b) => a - b);
  const renumber = new Map(survivors.map((old, i) => [old, i]));
  for (let row = 0; row < assignments.length; row++)
    assignments[row] = renumber.get(assignments[row]!)!;
  return {
    assignments,
    clusters: survivors.length,
    survivors,
    moved,
    sizesBefore,
    sizesAfter: survivors.map((c) => members[c]!.length),
  };
}

function bestTarget(
  row: number,
  targets: number[],
  coverageSets: Set<number>[],
  { favourites, matrix, centroids }: MergeSmallClustersInput,
): number {
  const own: number[] = [];
  forEachFavourite(favourites, row, (movie) => own.push(movie));
  let best: number[] = [];
  let bestCoverage = -1;
  targets.forEach((c, i) => {
    const covered =
      own.length === 0 ? 0 : own.filter((m) => coverageSets[i]!.has(m)).length / own.length;
    if (covered > bestCoverage) {
      bestCoverage = covered;
      best = [c];
    } else if (covered === bestCoverage) {
      best.push(c);
    }
  });
  if (best.length === 1) return best[0]!;
  let nearest = best[0]!;
  let nearestDistance = Infinity;
  for (const c of best) {
    const distance = squaredDistanceToCentre(matrix, row, centroids, c);
    if (distance < nearestDistance) {
      nearestDistance = distance;
      nearest = c;
    }
  }
  return nearest;
}

function clusterFavourites(counts: Map<number, number>, size: number, share: number): Set<number> {
  const threshold = Math.max(1, share * size);
  const movies = new Set<number>();
  for (const [movie, count] of counts) if (count >= threshold) movies.add(movie);
  return movies;
}

function forEachFavourite(
  favourites: CsrPattern,
  row: number,
  visit: (movie: number) => void,
): void {
  for (let p = favourites.rowPtr[row]!; p < favourites.rowPtr[row + 1]!; p++)
    visit(favourites.colIndices[p]!);
}

/** ||x - c||^2 for a sparse row and a row-major dense centre. */
export function squaredDistanceToCentre(
  matrix: CsrMatrix,
  row: number,
  centroids: Float64Array,
  cluster: number,
): number {
  const cols = matrix.cols;
  const base = cluster * cols;
  let centreNorm = 0;
  for (let j = 0; j < cols; j++) centreNorm += centroids[base + j]! ** 2;
  let distance = centreNorm;
  for (let p = matrix.rowPtr[row]!; p < matrix.rowPtr[row + 1]!; p++) {
    const v = matrix.values[p]!;
    const c = centroids[base + matrix.colIndices[p]!]!;
    distance += v * v - 2 * v * c;
  }
  return Math.max(0, distance);
}
