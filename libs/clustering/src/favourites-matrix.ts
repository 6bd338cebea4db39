import { isFavouriteRating } from '@app/events';
import { allocateCsr, type CsrMatrix } from './csr-matrix';

/**
 * Each row's favourites on a raw rating matrix's rows and columns: entries rated at least
 * `favouriteMinRating`, plus explicit (user, movie) favourites; as 1s.
 */
export function favouritesMatrix(
  raw: CsrMatrix,
  userIds: ArrayLike<number>,
  movieIds: ArrayLike<number>,
  explicit: { userIds: ArrayLike<number>; movieIds: ArrayLike<number> },
  favouriteMinRating: number,
): CsrMatrix {
  const rowOf = new Map<number, number>();
  for (let row = 0; row < userIds.length; row++) rowOf.set(userIds[row]!, row);
  const colOf = new Map<number, number>();
  for (let col = 0; col < movieIds.length; col++) colOf.set(movieIds[col]!, col);
  const perRow = Array.from({ length: raw.rows }, () => new Set<number>());
  for (let r = 0; r < raw.rows; r++) {
    for (let p = raw.rowPtr[r]!; p < raw.rowPtr[r + 1]!; p++) {
      if (isFavouriteRating(raw.values[p]!, favouriteMinRating)) perRow[r]!.add(raw.colIndices[p]!);
    }
  }
  for (let i = 0; i < explicit.userIds.length; i++) {
    const row = rowOf.get(explicit.userIds[i]!);
    const col = colOf.get(explicit.movieIds[i]!);
    if (row !== undefined && col !== undefined) perRow[row]!.add(col);
  }
  const result = allocateCsr(
    raw.rows,
    raw.cols,
    perRow.reduce((a, s) => a + s.size, 0),
  );
  let p = 0;
  perRow.forEach((cols, r) => {
    result.rowPtr[r] = p;
    for (const col of [...cols].sort((a, b) => a - b)) {
      result.colIndices[p] = col;
      result.values[p++] = 1;
    }
  });
  result.rowPtr[raw.rows] = p;
  return result;
}
