/** Share of the first k recommendations that are relevant; a short list counts its gaps as misses. */
export function precisionAt(
  recommended: readonly number[],
  relevant: ReadonlySet<number>,
  k: number,
): number {
  return hitsAt(recommended, relevant, k) / k;
}

/** Share of the relevant movies found in the first k recommendations; 0 when none is relevant. */
export function recallAt(
  recommended: readonly number[],
  relevant: ReadonlySet<number>,
  k: number,
): number {
  return relevant.size === 0 ? 0 : hitsAt(recommended, relevant, k) / relevant.size;
}

/**
 * Normalised discounted cumulative gain with binary relevance: a hit at rank r (from 1) gains
 * 1 / log2(r + 1), divided by the gain of the ideal list, all relevant movies first.
 */
export function ndcgAt(
  recommended: readonly number[],
  relevant: ReadonlySet<number>,
  k: number,
): number {
  let gain = 0;
  recommended.slice(0, k).forEach((movieId, rank) => {
    if (relevant.has(movieId)) gain += 1 / Math.log2(rank + 2);
  });
  let ideal = 0;
  for (let rank = 0; rank < Math.min(k, relevant.size); rank++) ideal += 1 / Math.log2(rank + 2);
  return ideal === 0 ? 0 : gain / ideal;
}

/** Share of the catalogue that appears in at least one of the lists. */
export function catalogueCoverage(
  lists: Iterable<readonly number[]>,
  catalogueSize: number,
): number {
  if (catalogueSize === 0) return 0;
  const shown = new Set<number>();
  for (const list of lists) for (const movieId of list) shown.add(movieId);
  return shown.size / catalogueSize;
}

function hitsAt(recommended: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  let hits = 0;
  for (const movieId of recommended.slice(0, k)) if (relevant.has(movieId)) hits++;
  return hits;
}
