import { type CsrPattern } from '@app/clustering';
import { type RatingsSnapshot } from './ratings-snapshot.reader';
import { type ContributionDeltas } from './user-events.store';

/**
 * A user's contribution to a cluster as the snapshot read it: each rated movie's rating (in half
 * stars) and count, and a favourite for each of the row's favourites.
 */
export function snapshotContribution(
  snapshot: RatingsSnapshot,
  favourites: CsrPattern,
  row: number,
): ContributionDeltas {
  const deltas: ContributionDeltas = {};
  const { ratings, movieIds } = snapshot;
  for (let p = ratings.rowPtr[row] ?? 0; p < (ratings.rowPtr[row + 1] ?? 0); p++) {
    const movie = String(movieIds[ratings.colIndices[p] ?? 0]);
    deltas[movie] = [Math.round((ratings.values[p] ?? 0) * 2), 1, 0];
  }
  for (let p = favourites.rowPtr[row] ?? 0; p < (favourites.rowPtr[row + 1] ?? 0); p++) {
    const movie = String(movieIds[favourites.colIndices[p] ?? 0]);
    const delta = deltas[movie];
    if (delta === undefined) deltas[movie] = [0, 0, 1];
    else delta[2] = 1;
  }
  return deltas;
}
