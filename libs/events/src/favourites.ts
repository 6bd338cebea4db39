/**
 * What a favourite is, in one place: a movie a user rated at least a model's favourite threshold,
 * or added as a favourite explicitly. Every reader (model building, the ingest scripts, the
 * evaluation, the tests' oracle) takes the threshold from the model or from this default.
 */
export const DEFAULT_FAVOURITE_MIN_RATING = 4;

export const isFavouriteRating = (rating: number, minRating: number): boolean =>
  rating >= minRating;

/** A user's favourites: movies rated at least `minRating`, and the explicit ones. */
export function favouritesOf(
  ratings: Iterable<readonly [movieId: number, rating: number]>,
  explicit: Iterable<number>,
  minRating: number,
): Set<number> {
  const favourites = new Set(explicit);
  for (const [movie, rating] of ratings) {
    if (isFavouriteRating(rating, minRating)) favourites.add(movie);
  }
  return favourites;
}
