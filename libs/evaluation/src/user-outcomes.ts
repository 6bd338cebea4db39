import { isFavouriteRating } from '@app/events';
import { type ScoredRating } from './accuracy-metrics';
import { LIST_LENGTH, type UserOutcome } from './method-scores';
import { type Method, type MethodModel } from './methods';

/** userId -> (movieId -> rating). */
export type RatingsByUser = ReadonlyMap<number, ReadonlyMap<number, number>>;

export interface OutcomeOptions {
  favouriteMinRating: number;
  /** The cluster a user is in, recorded with each outcome. */
  clusterOf?: (userId: number, ratings: ReadonlyMap<number, number>) => number | undefined;
  /** Called with the test users scored so far, for progress bars. */
  onProgress?: (users: number, total: number) => void;
}

const NO_RATINGS: ReadonlyMap<number, number> = new Map();

/**
 * What every method makes of every held-out user: the one loop the evaluation, the tuning on
 * validation ratings and the cold-start runs share. A method sees only `known`, the ratings it
 * may use for the user; `held` is scored against what it predicts and recommends.
 */
export function outcomesOf(
  models: Partial<Record<Method, MethodModel>>,
  known: RatingsByUser,
  held: RatingsByUser,
  options: OutcomeOptions,
): UserOutcome[] {
  const methods = Object.entries(models) as [Method, MethodModel][];
  const outcomes: UserOutcome[] = [];
  for (const [userId, testRatings] of held) {
    const ratings = known.get(userId) ?? NO_RATINGS;
    const scored: UserOutcome['scored'] = {};
    const lists: UserOutcome['lists'] = {};
    for (const [method, model] of methods) {
      const user = model.forUser(userId, ratings);
      if (user.predict !== undefined) {
        const predictions: ScoredRating[] = [];
        for (const [movieId, actual] of testRatings) {
          predictions.push({ movieId, actual, predicted: user.predict(movieId) });
        }
        scored[method] = predictions;
      }
      if (user.recommend !== undefined) lists[method] = user.recommend(LIST_LENGTH);
    }
    const relevant = new Set<number>();
    for (const [movieId, actual] of testRatings) {
      if (isFavouriteRating(actual, options.favouriteMinRating) && !ratings.has(movieId)) {
        relevant.add(movieId);
      }
    }
    outcomes.push({
      userId,
      cluster: options.clusterOf?.(userId, ratings),
      scored,
      lists,
      relevant,
    });
    options.onProgress?.(outcomes.length, held.size);
  }
  return outcomes;
}
