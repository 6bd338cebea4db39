import { MAX_RATING, MIN_RATING } from '@app/events';
import { type ClusterAggregates } from './cluster-aggregates';
import {
  DEFAULT_SHRINKAGE,
  MovieStatistics,
  type ShrinkageSettings,
  shrunkMean,
} from './movie-statistics';

export const RANK_BY = ['favourites', 'rating'] as const;
/**
 * - `favourites`: by how many of the cluster's users favour the movie (the favourites notebook);
 * - `rating`: by the cluster's mean rating shrunk toward the movie's mean by its support.
 */
export type RankBy = (typeof RANK_BY)[number];

export interface RankedMovie {
  movieId: number;
  score: number;
  /** Users of the cluster (or, for popularity, of all clusters) who favour the movie. */
  favourites: number;
  /** The plain mean of those users' ratings of the movie; undefined when none rated it. */
  meanRating: number | undefined;
  /** How many of those users rated the movie. */
  support: number;
}

export const PREDICTION_SOURCES = ['cluster', 'movie', 'global'] as const;
export type PredictionSource = (typeof PREDICTION_SOURCES)[number];

export interface Prediction {
  rating: number;
  /**
   * What the prediction rests on: the cluster's ratings of the movie; the movie's ratings by
   * everyone, when the cluster has fewer than `minSupport`; or only the global mean, for a
   * movie nobody rated.
   */
  source: PredictionSource;
  /** The cluster's ratings of the movie (0 without a cluster). */
  support: number;
}

/**
 * The rankings and predictions of one model: its clusters' aggregates, read once, ranked on
 * first use. Every list is ordered best first, ties broken by support and then by movie id, so
 * equal inputs give equal lists.
 */
export class ClusterRanking {
  readonly movies: MovieStatistics;
  private readonly rankings = new Map<string, readonly RankedMovie[]>();
  /** Per cluster, once asked for: how far its ratings sit above the movies' means, on average. */
  private readonly clusterOffsets: (number | undefined)[] = [];

  constructor(
    readonly clusters: readonly ClusterAggregates[],
    readonly settings: ShrinkageSettings = DEFAULT_SHRINKAGE,
    movies?: MovieStatistics,
  ) {
    this.movies = movies ?? new MovieStatistics(clusters, settings);
  }

  /**
   * Ranks and measures every cluster now, one cluster per turn of the event loop, so that no
   * request after a refresh waits for a sort and no turn holds the loop for long.
   */
  async warm(): Promise<void> {
    for (let cluster = 0; cluster < this.clusters.length; cluster++) {
      for (const by of RANK_BY) this.ranked(cluster, by);
      this.offsetOf(cluster);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.popular();
  }

  /** The cluster's movies, best first. */
  ranked(cluster: number, by: RankBy): readonly RankedMovie[] {
    return this.cached(`${cluster}:${by}`, () => {
      const aggregates = this.clusters[cluster];
      if (aggregates === undefined) throw new RangeError(`no cluster ${cluster} in this model`);
      // By favourites, the movies no one of the cluster favours follow, best rated first, so a
      // list runs out only when the cluster's every movie is seen.
      const movieIds =
        by === 'favourites'
          ? new Set([...aggregates.favourites.keys(), ...aggregates.ratingCounts.keys()])
          : aggregates.ratingCounts.keys();
      return sortRanked(
        [...movieIds].map((movieId) => {
          const sum = aggregates.ratingSums.get(movieId) ?? 0;
          const support = aggregates.ratingCounts.get(movieId) ?? 0;
          const favourites = aggregates.favourites.get(movieId) ?? 0;
          const shrunk = shrunkMean(
            sum,
            support,
            this.movies.meanOf(movieId),
            this.settings.priorWeight,
          );
          return {
            movieId,
            score: by === 'favourites' ? favourites : shrunk,
            favourites,
            meanRating: support > 0 ? sum / support : undefined,
            support,
            tieBreak: shrunk,
          };
        }),
      );
    });
  }

  /**
   * One movie as the cluster sees it (or, without a cluster, as all clusters together do),
   * scored by another method: its favourites, mean rating and support there.
   */
  movieIn(cluster: number | undefined, movieId: number, score: number): RankedMovie {
    const groups =
      cluster === undefined
        ? this.clusters
        : [this.clusters[cluster]].filter((c) => c !== undefined);
    let favourites = 0;
    let sum = 0;
    let support = 0;
    for (const aggregates of groups) {
      favourites += aggregates.favourites.get(movieId) ?? 0;
      sum += aggregates.ratingSums.get(movieId) ?? 0;
      support += aggregates.ratingCounts.get(movieId) ?? 0;
    }
    return {
      movieId,
      score,
      favourites,
      meanRating: support > 0 ? sum / support : undefined,
      support,
    };
  }

  /** Every movie rated by at least `minSupport` users, by its shrunk mean: the fallback list. */
  popular(): readonly RankedMovie[] {
    return this.cached('popular', () => {
      const favourites = new Map<number, number>();
      for (const cluster of this.clusters) {
        for (const [movie, n] of cluster.favourites) {
          favourites.set(movie, (favourites.get(movie) ?? 0) + n);
        }
      }
      const candidates = [...this.movies.counts].filter(
        ([, count]) => count >= this.settings.minSupport,
      );
      return sortRanked(
        candidates.map(([movieId, support]) => ({
          movieId,
          score: this.movies.meanOf(movieId),
          favourites: favourites.get(movieId) ?? 0,
          meanRating: (this.movies.sums.get(movieId) ?? 0) / support,
          support,
          tieBreak: favourites.get(movieId) ?? 0,
        })),
      );
    });
  }

  /**
   * A user's predicted rating of a movie: the cluster's mean rating of it, moved from the
   * cluster's rating scale to the user's and shrunk toward the user's baseline (the movie's
   * mean plus how far the user rates above movie means) by its support (clusterPriorWeight).
   * With fewer than
   * `minSupport` cluster ratings, or no cluster, the baseline alone.
   *
   * `userRatings`: the user's other ratings (movieId -> rating); a rating of `movieId` itself is
   * ignored, so a held-out rating never informs its own prediction.
   */
  predict(
    cluster: number | undefined,
    userRatings: ReadonlyMap<number, number>,
    movieId: number,
  ): Prediction {
    const { priorWeight, clusterPriorWeight, minSupport } = this.settings;
    let offset = 0;
    let rated = 0;
    for (const [movie, rating] of userRatings) {
      if (movie === movieId) continue;
      offset += rating - this.movies.meanOf(movie);
      rated++;
    }
    const movieMean = this.movies.meanOf(movieId);
    const baseline = movieMean + offset / (rated + priorWeight);
    const aggregates = cluster === undefined ? undefined : this.clusters[cluster];
    const support = aggregates?.ratingCounts.get(movieId) ?? 0;
    if (cluster === undefined || aggregates === undefined || support < minSupport) {
      return {
        rating: clamp(baseline),
        source: this.movies.supportOf(movieId) > 0 ? 'movie' : 'global',
        support,
      };
    }
    const clusterMean = (aggregates.ratingSums.get(movieId) ?? 0) / support;
    const deviation = clusterMean - movieMean - this.offsetOf(cluster);
    return {
      rating: clamp(baseline + (deviation * support) / (support + clusterPriorWeight)),
      source: 'cluster',
      support,
    };
  }

  private offsetOf(cluster: number): number {
    let offset = this.clusterOffsets[cluster];
    if (offset === undefined) {
      const aggregates = this.clusters[cluster];
      let deviation = 0;
      let count = 0;
      for (const [movie, sum] of aggregates?.ratingSums ?? []) {
        const n = aggregates?.ratingCounts.get(movie) ?? 0;
        deviation += sum - n * this.movies.meanOf(movie);
        count += n;
      }
      offset = count > 0 ? deviation / count : 0;
      this.clusterOffsets[cluster] = offset;
    }
    return offset;
  }

  private cached(key: string, rank: () => RankedMovie[]): readonly RankedMovie[] {
    let list = this.rankings.get(key);
    if (list === undefined) {
      list = rank();
      this.rankings.set(key, list);
    }
    return list;
  }
}

/** The first `limit` movies of a ranked list that are not in `seen`. */
export function topUnseen(
  ranked: readonly RankedMovie[],
  seen: ReadonlySet<number>,
  limit: number,
): RankedMovie[] {
  const top: RankedMovie[] = [];
  for (const movie of ranked) {
    if (top.length >= limit) break;
    if (!seen.has(movie.movieId)) top.push(movie);
  }
  return top;
}

const clamp = (rating: number): number => Math.min(MAX_RATING, Math.max(MIN_RATING, rating));

/** Best first: score, then the secondary criterion, then support, then the lower movie id. */
function sortRanked(movies: (RankedMovie & { tieBreak: number })[]): RankedMovie[] {
  movies.sort(
    (a, b) =>
      b.score - a.score ||
      b.tieBreak - a.tieBreak ||
      b.support - a.support ||
      a.movieId - b.movieId,
  );
  return movies.map(({ tieBreak: _tieBreak, ...movie }) => movie);
}
