import { allocateCsr, type CsrMatrix } from './csr-matrix';

/** Ratings as parallel columns: rating i is (userIds[i], movieIds[i], ratings[i]). */
export interface RatingColumns {
  userIds: Int32Array;
  movieIds: Int32Array;
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
  userIds: Int32Array;
  /** Column c is movie movieIds[c]; ascending. */
  movieIds: Int32Array;
}

export interface BuildRatingMatrixOptions {
  values?: MatrixValues;
  favouriteMinRating?: number;
}

/** The rating from which a movie counts as a user's favourite, unless told otherwise. */
export const DEFAULT_FAVOURITE_MIN_RATING = 4;

/**
 * Builds the user x movie matrix. Rows and columns are the distinct ids in ascending order; when
 * a user rated a movie more than once the last rating counts. Linear in the number of ratings
 * plus a per-row sort, so the Netflix Prize shape (100M ratings) builds in seconds.
 */
export function buildRatingMatrix(
  input: RatingColumns,
  {
    values = 'centred',
    favouriteMinRating = DEFAULT_FAVOURITE_MIN_RATING,
  }: BuildRatingMatrixOptions = {},
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
  applyMatrixValues(matrix, values, favouriteMinRating);
  return { matrix, userIds: users.ids, movieIds: movies.ids };
}

interface DenseIndex {
  ids: Int32Array;
  indexOf(id: number): number;
}

/** Sorted distinct ids and a fast id -> position lookup (an array when ids are compact). */
function denseIndex(ids: Int32Array): DenseIndex {
  let max = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i]! > max) max = ids[i]!;
  if (max < 64 * 1024 * 1024) {
    const seen = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < ids.length; i++) seen[ids[i]!] = 0;
    let count = 0;
    for (let id = 0; id <= max; id++) if (seen[id] === 0) seen[id] = count++;
    const distinct = new Int32Array(count);
    for (let id = 0; id <= max; id++) if (seen[id]! >= 0) distinct[seen[id]!] = id;
    return { ids: distinct, indexOf: (id) => seen[id]! };
  }
  const distinct = Int32Array.from(new Set(ids)).sort();
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
  mode: MatrixValues,
  favouriteMinRating = DEFAULT_FAVOURITE_MIN_RATING,
): void {
  const { rows, rowPtr, values } = matrix;
  switch (mode) {
    case 'raw':
      return;
    case 'binary':
      values.fill(1);
      return;
    case 'favourites':
      for (let p = 0; p < values.length; p++) values[p] = values[p]! >= favouriteMinRating ? 1 : 0;
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
