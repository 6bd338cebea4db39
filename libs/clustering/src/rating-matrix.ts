import { isFavouriteRating } from '@app/events';
import { allocateCsr, type CsrMatrix } from './csr-matrix';

/**
 * A column of ids: Int32Array where every id is known to fit (MovieLens files), Float64Array where
 * ids may be any integer up to 2^53 - 1 (what events accept).
 */
export type IdColumn = Int32Array | Float64Array;

/** Ratings as parallel columns: rating i is (userIds[i], movieIds[i], ratings[i]). */
export interface RatingColumns {
  userIds: IdColumn;
  movieIds: IdColumn;
  ratings: Float32Array;
}

/**
 * How ratings become matrix values:
 * - `centred`: rating minus the user's mean, so "not rated" (0) is not read as a low rating;
 * - `raw`: the rating itself;
 * - `binary`: 1 for every rated (watched) movie;
 * - `favourites`: 1 for movies rated at or above the favourite threshold, 0 (as unrated)
 *   otherwise.
 */
export const MATRIX_VALUES = ['centred', 'raw', 'binary', 'favourites'] as const;
export type MatrixValues = (typeof MATRIX_VALUES)[number];

export const isMatrixValues = (value: unknown): value is MatrixValues =>
  (MATRIX_VALUES as readonly unknown[]).includes(value);

export interface RatingMatrix {
  matrix: CsrMatrix;
  /** Row r is user userIds[r]; ascending. */
  userIds: Float64Array;
  /** Column c is movie movieIds[c]; ascending. */
  movieIds: Float64Array;
}

/** How a model turns ratings into matrix values; recorded with every model it builds. */
export interface MatrixValueSettings {
  values: MatrixValues;
  /** The rating from which a movie counts as a favourite (the `favourites` values). */
  favouriteMinRating: number;
}

/**
 * Builds the user x movie matrix. Rows and columns are the distinct ids in ascending order; when
 * a user rated a movie more than once the last rating counts. Linear in the number of ratings
 * plus a per-row sort, so the Netflix Prize shape (100M ratings) builds in seconds.
 */
export function buildRatingMatrix(
  input: RatingColumns,
  settings: MatrixValueSettings,
): RatingMatrix {
  const { userIds, movieIds, ratings } = input;
  const n = userIds.length;
  const users = denseIndex(userIds);
  const movies = denseIndex(movieIds);

  const counts = new Int32Array(users.ids.length + 1);
  for (let i = 0; i < n; i++) counts[users.indexOf(userIds[i]!) + 1]!++;
  for (let r = 0; r < users.ids.length; r++) counts[r + 1]! += counts[r]!;

  const scratch = allocateCsr(users.ids.length, movies.ids.length, counts[users.ids.length]!);
  const next = counts.slice(0, users.ids.length);
  const order = new Int32Array(scratch.colIndices.length);
  for (let i = 0; i < n; i++) {
    const row = users.indexOf(userIds[i]!);
    const p = next[row]!++;
    scratch.colIndices[p] = movies.indexOf(movieIds[i]!);
    scratch.values[p] = ratings[i]!;
    order[p] = i;
  }
  scratch.rowPtr.set(counts);

  const matrix = sortAndDeduplicateRows(scratch, order);
  applyMatrixValues(matrix, settings);
  return { matrix, userIds: users.ids, movieIds: movies.ids };
}

export interface DenseIndex {
  /** The distinct ids, ascending. */
  ids: Float64Array;
  indexOf(id: number): number;
}

/** Below this largest id, positions are looked up in an array rather than a map. */
const COMPACT_IDS = 64 * 1024 * 1024;

/**
 * Sorted distinct ids and a fast id -> position lookup: an array when ids are small non-negative
 * integers (MovieLens, Netflix), a map otherwise, so any id up to 2^53 - 1 keeps its own row.
 */
export function denseIndex(ids: ArrayLike<number>): DenseIndex {
  let max = 0;
  let compact = true;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id > max) max = id;
    if (id < 0 || !Number.isInteger(id)) compact = false;
  }
  if (compact && max < COMPACT_IDS) {
    const seen = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < ids.length; i++) seen[ids[i]!] = 0;
    let count = 0;
    for (let id = 0; id <= max; id++) if (seen[id] === 0) seen[id] = count++;
    const distinct = new Float64Array(count);
    for (let id = 0; id <= max; id++) if (seen[id]! >= 0) distinct[seen[id]!] = id;
    return { ids: distinct, indexOf: (id) => seen[id]! };
  }
  const distinct = Float64Array.from(new Set(Array.from(ids))).sort();
  const positions = new Map<number, number>();
  distinct.forEach((id, i) => positions.set(id, i));
  return { ids: distinct, indexOf: (id) => positions.get(id)! };
}

/** Sorts each row by column; of duplicate (row, column) entries keeps the last in input order. */
function sortAndDeduplicateRows(matrix: CsrMatrix, order: Int32Array): CsrMatrix {
  const { rows, rowPtr, colIndices, values } = matrix;
  let duplicates = 0;
  for (let r = 0; r < rows; r++) {
    const start = rowPtr[r]!;
    const end = rowPtr[r + 1]!;
    // Insertion sort by (column, input order): rows are short and often already sorted.
    for (let p = start + 1; p < end; p++) {
      const c = colIndices[p]!;
      const v = values[p]!;
      const o = order[p]!;
      let q = p - 1;
      while (q >= start && (colIndices[q]! > c || (colIndices[q] === c && order[q]! > o))) {
        colIndices[q + 1] = colIndices[q]!;
        values[q + 1] = values[q]!;
        order[q + 1] = order[q]!;
        q--;
      }
      colIndices[q + 1] = c;
      values[q + 1] = v;
      order[q + 1] = o;
    }
    for (let p = start + 1; p < end; p++) if (colIndices[p] === colIndices[p - 1]) duplicates++;
  }
  if (duplicates === 0) return matrix;

  const result = allocateCsr(rows, matrix.cols, colIndices.length - duplicates);
  let w = 0;
  for (let r = 0; r < rows; r++) {
    result.rowPtr[r] = w;
    const end = rowPtr[r + 1]!;
    for (let p = rowPtr[r]!; p < end; p++) {
      if (p + 1 < end && colIndices[p + 1] === colIndices[p]) continue;
      result.colIndices[w] = colIndices[p]!;
      result.values[w++] = values[p]!;
    }
  }
  result.rowPtr[rows] = w;
  return result;
}

/** Turns raw ratings (each user's last rating of a movie) into the chosen values, in place. */
export function applyMatrixValues(
  matrix: CsrMatrix,
  { values: mode, favouriteMinRating }: MatrixValueSettings,
): void {
  const { rows, rowPtr, values } = matrix;
  switch (mode) {
    case 'raw':
      return;
    case 'binary':
      values.fill(1);
      return;
    case 'favourites':
      for (let p = 0; p < values.length; p++) {
        values[p] = isFavouriteRating(values[p]!, favouriteMinRating) ? 1 : 0;
      }
      return;
    case 'centred':
      for (let r = 0; r < rows; r++) {
        const start = rowPtr[r]!;
        const end = rowPtr[r + 1]!;
        if (end === start) continue;
        let sum = 0;
        for (let p = start; p < end; p++) sum += values[p]!;
        const mean = sum / (end - start);
        for (let p = start; p < end; p++) values[p] = values[p]! - mean;
      }
      return;
    default: {
      const unknown: never = mode;
      throw new Error(`unknown matrix values ${String(unknown)}`);
    }
  }
}
