/** A held-out rating and what a method predicted for it. */
export interface ScoredRating {
  movieId: number;
  actual: number;
  predicted: number;
}

/** Root mean squared error over every rating; undefined for none. */
export function rootMeanSquaredError(ratings: readonly ScoredRating[]): number | undefined {
  if (ratings.length === 0) return undefined;
  let sum = 0;
  for (const { actual, predicted } of ratings) sum += (predicted - actual) ** 2;
  return Math.sqrt(sum / ratings.length);
}

/** Mean absolute error over every rating; undefined for none. */
export function meanAbsoluteError(ratings: readonly ScoredRating[]): number | undefined {
  if (ratings.length === 0) return undefined;
  let sum = 0;
  for (const { actual, predicted } of ratings) sum += Math.abs(predicted - actual);
  return sum / ratings.length;
}

/**
 * The ALS case study's metric: for each user, the mean true rating of the `fraction` of their
 * held-out movies (at least one) that the method predicts highest, averaged over users. A good
 * method puts the movies the user liked most on top; a constant predictor scores the plain mean.
 *
 * Movies tied with the last one taken count by their tied group's mean, the expectation under a
 * random tie-break, so a method that predicts many equal ratings gains nothing from the order
 * they happen to come in.
 */
export function topFractionMeanRating(
  users: readonly (readonly ScoredRating[])[],
  fraction = 0.05,
): number | undefined {
  let total = 0;
  let scored = 0;
  for (const ratings of users) {
    if (ratings.length === 0) continue;
    const sorted = [...ratings].sort((a, b) => b.predicted - a.predicted);
    const take = Math.max(1, Math.floor(ratings.length * fraction));
    const threshold = sorted[take - 1]?.predicted ?? 0;
    let above = 0;
    let aboveSum = 0;
    let tiedSum = 0;
    let tied = 0;
    for (const { predicted, actual } of sorted) {
      if (predicted > threshold) {
        above++;
        aboveSum += actual;
      } else if (predicted === threshold) {
        tied++;
        tiedSum += actual;
      } else break;
    }
    total += (aboveSum + ((take - above) * tiedSum) / tied) / take;
    scored++;
  }
  return scored > 0 ? total / scored : undefined;
}
