import { denseIndex, type RatingColumns } from '@app/clustering';
import { MAX_RATING, MID_RATING, MIN_RATING } from '@app/events';

export interface BiasBaselineSettings {
  /** Pulls a user's bias toward 0 as if they had this many more ratings at the mean. */
  userRegularization: number;
  /** Pulls a movie's bias toward 0 as if it had this many more ratings at the mean. */
  movieRegularization: number;
  /** Rounds of alternating least squares: movie biases, then user biases. */
  iterations: number;
}

/** Surprise's BaselineOnly defaults for ALS (reg_u 15, reg_i 10, 10 epochs). */
export const DEFAULT_BIAS_BASELINE: BiasBaselineSettings = {
  userRegularization: 15,
  movieRegularization: 10,
  iterations: 10,
};

/**
 * The baseline predictor of Koren (2008): r(u, i) = μ + b_u + b_i, the global mean plus how far
 * the user rates above it and how far the movie is rated above it. Fitted by alternating least
 * squares on regularized squared error, as Surprise's BaselineOnly does: each round sets every
 * movie's bias from the current user biases, then every user's from the new movie biases.
 */
export class BiasBaseline {
  readonly globalMean: number;
  private readonly userBiases = new Map<number, number>();
  private readonly movieBiases = new Map<number, number>();

  /** `ratings`: one per user and movie (the latest), since a repeat would weigh twice. */
  constructor(
    ratings: RatingColumns,
    readonly settings: BiasBaselineSettings = DEFAULT_BIAS_BASELINE,
  ) {
    const { userRegularization, movieRegularization, iterations } = settings;
    if (!Number.isInteger(iterations) || iterations < 0) {
      throw new RangeError(`iterations must be a non-negative integer, got ${iterations}`);
    }
    if (!(userRegularization >= 0 && movieRegularization >= 0)) {
      throw new RangeError('regularization must be non-negative');
    }
    const n = ratings.ratings.length;
    let total = 0;
    for (let r = 0; r < n; r++) total += ratings.ratings[r] ?? 0;
    this.globalMean = n > 0 ? total / n : MID_RATING;

    const users = denseIndex(ratings.userIds);
    const movies = denseIndex(ratings.movieIds);
    const userOf = Int32Array.from(ratings.userIds, (id) => users.indexOf(id));
    const movieOf = Int32Array.from(ratings.movieIds, (id) => movies.indexOf(id));
    const centred = Float64Array.from(ratings.ratings, (rating) => rating - this.globalMean);
    const userSide = side(userOf, users.ids.length, userRegularization);
    const movieSide = side(movieOf, movies.ids.length, movieRegularization);
    for (let round = 0; round < iterations; round++) {
      solveBiases(movieSide, userSide, centred);
      solveBiases(userSide, movieSide, centred);
    }
    users.ids.forEach((id, u) => this.userBiases.set(id, userSide.biases[u] ?? 0));
    movies.ids.forEach((id, i) => this.movieBiases.set(id, movieSide.biases[i] ?? 0));
  }

  /** How far the user rates above the mean; 0 for a user not in training. */
  userBias(userId: number): number {
    return this.userBiases.get(userId) ?? 0;
  }

  /** How far the movie is rated above the mean; 0 for a movie not in training. */
  movieBias(movieId: number): number {
    return this.movieBiases.get(movieId) ?? 0;
  }

  /** μ + b_u + b_i, kept on the rating scale. */
  predict(userId: number, movieId: number): number {
    const rating = this.globalMean + this.userBias(userId) + this.movieBias(movieId);
    return Math.min(MAX_RATING, Math.max(MIN_RATING, rating));
  }
}

/** Users or movies: whose each rating is, and their biases. */
interface Side {
  /** Rating r is of (or by) index of[r]. */
  of: Int32Array;
  /** Ratings per index, plus the regularization: each bias's denominator. */
  denominators: Float64Array;
  biases: Float64Array;
}

function side(of: Int32Array, size: number, regularization: number): Side {
  const denominators = new Float64Array(size).fill(regularization);
  for (const index of of) denominators[index] = (denominators[index] ?? 0) + 1;
  return { of, denominators, biases: new Float64Array(size) };
}

/**
 * One half-round of least squares, for movies or for users alike: each one's bias becomes the
 * sum of its ratings' residuals (rating - μ - the other side's bias) over its count plus the
 * regularization, so a bias backed by few ratings stays near 0.
 */
function solveBiases(own: Side, other: Side, centred: Float64Array): void {
  const { biases, of, denominators } = own;
  biases.fill(0);
  for (let r = 0; r < centred.length; r++) {
    const index = of[r] ?? 0;
    const residual = (centred[r] ?? 0) - (other.biases[other.of[r] ?? 0] ?? 0);
    biases[index] = (biases[index] ?? 0) + residual;
  }
  for (let i = 0; i < biases.length; i++) biases[i] = (biases[i] ?? 0) / (denominators[i] ?? 1);
}
