import { MID_RATING } from '@app/events';
import { type ClusterAggregates } from './cluster-aggregates';

/** Settings of the shrunk means every ranking and prediction uses. */
export interface ShrinkageSettings {
  /**
   * Weight of the prior, in ratings: a mean over n ratings becomes
   * (sum + priorWeight * prior) / (n + priorWeight), so one lone 5-star rating does not win.
   */
  priorWeight: number;
  /**
   * Weight of the prior when a prediction moves from the user's baseline toward the cluster's
   * mean: heavier than `priorWeight`, because a cluster's deviation from a movie's mean is a
   * difference of two noisy means. 100 is what validation ratings chose on four of the five
   * MovieLens 100k folds (25 on the fifth and on ml-latest-small; docs/evaluation.md).
   */
  clusterPriorWeight: number;
  /** Fewer ratings than this and a cluster's mean (or, for popularity, a movie's) is not used. */
  minSupport: number;
}

export const DEFAULT_SHRINKAGE: ShrinkageSettings = {
  priorWeight: 5,
  clusterPriorWeight: 100,
  minSupport: 3,
};

/** (sum + weight * prior) / (count + weight): a mean pulled toward a prior by its support. */
export const shrunkMean = (sum: number, count: number, prior: number, weight: number): number =>
  (sum + weight * prior) / (count + weight);

/**
 * Every movie's ratings over all clusters of a model: the global mean, and each movie's mean
 * shrunk toward it. Clusters partition the users, so their sums add up to the global sums.
 */
export class MovieStatistics {
  readonly globalMean: number;
  readonly sums = new Map<number, number>();
  readonly counts = new Map<number, number>();
  private readonly means = new Map<number, number>();

  constructor(
    clusters: readonly ClusterAggregates[],
    settings: ShrinkageSettings = DEFAULT_SHRINKAGE,
  ) {
    let total = 0;
    let ratings = 0;
    for (const cluster of clusters) {
      for (const [movie, sum] of cluster.ratingSums) {
        const count = cluster.ratingCounts.get(movie) ?? 0;
        this.sums.set(movie, (this.sums.get(movie) ?? 0) + sum);
        this.counts.set(movie, (this.counts.get(movie) ?? 0) + count);
        total += sum;
        ratings += count;
      }
    }
    this.globalMean = ratings > 0 ? total / ratings : MID_RATING;
    for (const [movie, sum] of this.sums) {
      this.means.set(
        movie,
        shrunkMean(sum, this.counts.get(movie) ?? 0, this.globalMean, settings.priorWeight),
      );
    }
  }

  /** The movie's mean shrunk toward the global mean; the global mean for an unrated movie. */
  meanOf(movieId: number): number {
    return this.means.get(movieId) ?? this.globalMean;
  }

  supportOf(movieId: number): number {
    return this.counts.get(movieId) ?? 0;
  }
}
