import { MAX_RATING, MIN_RATING } from '@app/events';
import {
  type AlsModel,
  type AlsSettings,
  type FoldedUser,
  foldInUser,
  movieColumnOf,
  predictFolded,
} from '@app/factorization';
import { type RankedMovie } from '@app/recommend';
import { type StoredAlsFactors } from '@app/store';

/**
 * A model's ALS movie factors as requests use them: r̂(u, i) = μ + b_u + b_i + p_u·q_i, with the
 * user's (p_u, b_u) folded in from their ratings as they are now, at each request (one
 * (f+1)² solve; see foldInUser), so a rating ingested a moment ago already moves the user's
 * predictions, with no recluster. The model stores no user factors: they would be stale.
 */
export class TasteFactors {
  private readonly model: AlsModel;

  constructor(stored: StoredAlsFactors, settings: AlsSettings) {
    this.model = {
      settings,
      globalMean: stored.globalMean,
      factors: settings.factors,
      userIds: new Float64Array(0),
      movieIds: stored.movieIds,
      userFactors: new Float32Array(0),
      userBiases: new Float32Array(0),
      movieFactors: stored.movieFactors,
      movieBiases: stored.movieBiases,
    };
  }

  get factorCount(): number {
    return this.model.factors;
  }

  /**
   * The user in the model's factor space, from their ratings (movieId -> rating); undefined when
   * they rated no movie the model has factors for, as there is nothing to personalise from.
   */
  foldIn(ratings: ReadonlyMap<number, number>): FoldedUser | undefined {
    let known = false;
    for (const movieId of ratings.keys()) {
      if (movieColumnOf(this.model, movieId) >= 0) {
        known = true;
        break;
      }
    }
    return known ? foldInUser(this.model, ratings) : undefined;
  }

  /** The user's predicted rating, within the rating scale; undefined for a movie not trained on. */
  predict(user: FoldedUser, movieId: number): number | undefined {
    if (movieColumnOf(this.model, movieId) < 0) return undefined;
    return clamp(predictFolded(this.model, user, movieId));
  }

  /**
   * The candidates the model knows, by the user's predicted rating, best first; each scored with
   * it (clamped to the rating scale, ordered by the value before clamping), ties broken by
   * support and then by the lower movie id, so equal inputs give equal lists.
   */
  rank(user: FoldedUser, candidates: readonly RankedMovie[]): RankedMovie[] {
    const scored: { movie: RankedMovie; predicted: number }[] = [];
    for (const movie of candidates) {
      if (movieColumnOf(this.model, movie.movieId) < 0) continue;
      scored.push({ movie, predicted: predictFolded(this.model, user, movie.movieId) });
    }
    scored.sort(
      (a, b) =>
        b.predicted - a.predicted ||
        b.movie.support - a.movie.support ||
        a.movie.movieId - b.movie.movieId,
    );
    return scored.map(({ movie, predicted }) => ({ ...movie, score: clamp(predicted) }));
  }
}

const clamp = (rating: number): number => Math.min(MAX_RATING, Math.max(MIN_RATING, rating));
