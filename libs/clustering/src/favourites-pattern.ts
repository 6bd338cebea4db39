import { isFavouriteRating } from '@app/events';
import { type CsrMatrix, type CsrPattern } from './csr-matrix';

/**
 * Each row's favourites on a raw rating matrix's rows and columns: the entries rated at least
 * `favouriteMinRating`, and the explicit favourites (a pattern on the same rows and columns),
 * each column once. Both inputs have ascending columns in each row, so each row is a merge of
 * two sorted lists: typed arrays only, two passes (count, then fill).
 */
export function favouritesPattern(
  raw: CsrMatrix,
  explicit: CsrPattern,
  favouriteMinRating: number,
): CsrPattern {
  const rowPtr = new Int32Array(raw.rows + 1);
  const merge = (r: number, emit: (col: number) => void): void => {
    let p = raw.rowPtr[r]!;
    const pEnd = raw.rowPtr[r + 1]!;
    let q = explicit.rowPtr[r]!;
    const qEnd = explicit.rowPtr[r + 1]!;
    for (;;) {
      while (p < pEnd && !isFavouriteRating(raw.values[p]!, favouriteMinRating)) p++;
      if (p >= pEnd && q >= qEnd) return;
      const a = p < pEnd ? raw.colIndices[p]! : Infinity;
      const b = q < qEnd ? explicit.colIndices[q]! : Infinity;
      emit(Math.min(a, b));
      if (a <= b) p++;
      if (b <= a) q++;
    }
  };
  let count = 0;
  for (let r = 0; r < raw.rows; r++) {
    merge(r, () => count++);
    rowPtr[r + 1] = count;
  }
  const colIndices = new Int32Array(count);
  let w = 0;
  for (let r = 0; r < raw.rows; r++) {
    merge(r, (col) => (colIndices[w++] = col));
  }
  return { rows: raw.rows, cols: raw.cols, rowPtr, colIndices };
}
