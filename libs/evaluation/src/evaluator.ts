import {
  buildRatingMatrix,
  emptyPattern,
  type ModelSettings,
  type RatingColumns,
} from '@app/clustering';
import { isFavouriteRating } from '@app/events';
import { type BuiltModel, buildModel } from '@app/recluster';
import {
  aggregatesOf,
  ClusterRanking,
  clusterTotals,
  DEFAULT_SHRINKAGE,
  type ShrinkageSettings,
  topUnseen,
} from '@app/recommend';
import {
  meanAbsoluteError,
  rootMeanSquaredError,
  type ScoredRating,
  topFractionMeanRating,
} from './accuracy-metrics';
import { catalogueCoverage, ndcgAt, precisionAt, recallAt } from './ranking-metrics';
import { latestRatings } from './rating-split';
import { ratingsByUser } from './ratings-by-user';

/**
 * - `cluster`: the production path: the user's cluster's prediction, and the cluster's most
 *   favoured movies the user has not rated (the most popular ones for a user with no cluster);
 * - `globalMean`: every rating predicted as the training mean; recommends nothing;
 * - `movieMean`: the movie's shrunk mean; recommends nothing (ranking by it is `popularity`);
 * - `popularity`: the movie's shrunk mean, and the same best-rated list for everyone.
 */
export const METHODS = ['cluster', 'globalMean', 'movieMean', 'popularity'] as const;
export type Method = (typeof METHODS)[number];

/** Length of every recommendation list, and the k of precision@k, recall@k and NDCG@k. */
export const LIST_LENGTH = 10;
/** Share of each user's held-out movies the top-rating metric looks at. */
export const TOP_FRACTION = 0.05;

export interface MethodScores {
  rmse: number | undefined;
  mae: number | undefined;
  top5pctMeanRating: number | undefined;
  /** The ranking metrics are left out for methods that recommend nothing. */
  precision10?: number;
  recall10?: number;
  ndcg10?: number;
  coverage?: number;
}

/** What every method made of one test user. */
export interface UserOutcome {
  userId: number;
  /** Undefined for a user with no training ratings. */
  cluster: number | undefined;
  scored: Record<Method, ScoredRating[]>;
  /** Movie ids, best first, for the methods that recommend. */
  lists: Partial<Record<Method, number[]>>;
  /** Held-out favourites: test ratings of at least the favourite threshold, unrated in training. */
  relevant: ReadonlySet<number>;
}

export interface EvaluationSettings {
  model: ModelSettings;
  shrinkage?: ShrinkageSettings;
}

export interface Evaluation {
  k: number;
  model: BuiltModel;
  ranking: ClusterRanking;
  methods: Record<Method, MethodScores>;
  outcomes: UserOutcome[];
  trainRatings: number;
  testRatings: number;
  testUsers: number;
  /** Test users without training ratings, so without a cluster. */
  coldUsers: number;
  /** Distinct movies in training: what coverage is a share of. */
  catalogue: number;
  seconds: { model: number; scoring: number };
}

export interface EvaluateOptions {
  /** Called with the test users scored so far, for progress bars. */
  onProgress?: (users: number, total: number) => void;
}

/**
 * Trains on `train` exactly as production does (the recluster worker's model builder, then the
 * aggregates ingestion keeps in Redis, then the query service's ranking) and scores every method
 * on `test`. Explicit favourites are not part of MovieLens, so favourites are the ratings of at
 * least the favourite threshold, as ingestion derives them.
 */
export async function evaluate(
  data: { train: RatingColumns; test: RatingColumns },
  settings: EvaluationSettings,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const train = latestRatings(data.train);
  const test = latestRatings(data.test);
  const started = performance.now();
  const { matrix, userIds, movieIds } = buildRatingMatrix(train, {
    values: 'raw',
    favouriteMinRating: settings.model.favouriteMinRating,
  });
  const model = await buildModel(
    { userIds, movieIds, ratings: matrix, favourites: emptyPattern(matrix.rows, matrix.cols) },
    settings.model,
  );
  const modelSeconds = (performance.now() - started) / 1000;

  // The aggregates ingestion keeps in Redis, as the recluster worker publishes them.
  const totals = clusterTotals(matrix, model.favourites, model.rowClusters, model.clusters);
  const aggregates = Array.from({ length: model.clusters }, (_, c) =>
    aggregatesOf(totals, c, movieIds),
  );
  const ranking = new ClusterRanking(aggregates, settings.shrinkage ?? DEFAULT_SHRINKAGE);
  const trained = ratingsByUser(train);
  const held = ratingsByUser(test);

  const outcomes: UserOutcome[] = [];
  const noRatings = new Map<number, number>();
  for (const [userId, testRatings] of held) {
    const seen = trained.get(userId) ?? noRatings;
    const cluster = model.assignments.get(userId);
    const scored: Record<Method, ScoredRating[]> = {
      cluster: [],
      globalMean: [],
      movieMean: [],
      popularity: [],
    };
    const relevant = new Set<number>();
    for (const [movieId, actual] of testRatings) {
      const movieMean = ranking.movies.meanOf(movieId);
      const add = (method: Method, predicted: number) =>
        scored[method].push({ movieId, actual, predicted });
      add('cluster', ranking.predict(cluster, seen, movieId).rating);
      add('globalMean', ranking.movies.globalMean);
      add('movieMean', movieMean);
      add('popularity', movieMean);
      if (isFavouriteRating(actual, settings.model.favouriteMinRating) && !seen.has(movieId)) {
        relevant.add(movieId);
      }
    }
    const seenIds = new Set(seen.keys());
    const clusterList =
      cluster === undefined ? ranking.popular() : ranking.ranked(cluster, 'favourites');
    const ids = (list: readonly { movieId: number }[]) => list.map((movie) => movie.movieId);
    outcomes.push({
      userId,
      cluster,
      scored,
      lists: {
        cluster: ids(topUnseen(clusterList, seenIds, LIST_LENGTH)),
        popularity: ids(topUnseen(ranking.popular(), seenIds, LIST_LENGTH)),
      },
      relevant,
    });
    options.onProgress?.(outcomes.length, held.size);
  }

  const catalogue = new Set(train.movieIds).size;
  const methods = Object.fromEntries(
    METHODS.map((method) => [method, scoreMethod(outcomes, method, catalogue)]),
  ) as Record<Method, MethodScores>;
  return {
    k: settings.model.k,
    model,
    ranking,
    methods,
    outcomes,
    trainRatings: train.userIds.length,
    testRatings: test.userIds.length,
    testUsers: held.size,
    coldUsers: outcomes.filter((outcome) => outcome.cluster === undefined).length,
    catalogue,
    seconds: { model: modelSeconds, scoring: (performance.now() - started) / 1000 - modelSeconds },
  };
}

/**
 * One method's scores over some users' outcomes: rating errors over all their held-out
 * ratings; ranking metrics averaged over the users with at least one held-out favourite;
 * coverage over every list shown.
 */
export function scoreMethod(
  outcomes: readonly UserOutcome[],
  method: Method,
  catalogue: number,
): MethodScores {
  const perUser = outcomes.map((outcome) => outcome.scored[method]);
  const all = perUser.flat();
  const scores: MethodScores = {
    rmse: rootMeanSquaredError(all),
    mae: meanAbsoluteError(all),
    top5pctMeanRating: topFractionMeanRating(perUser, TOP_FRACTION),
  };
  const lists = outcomes.flatMap((outcome) => {
    const list = outcome.lists[method];
    return list === undefined ? [] : [list];
  });
  if (lists.length === 0) return scores;
  const judged = outcomes.filter((outcome) => outcome.relevant.size > 0);
  const mean = (metric: typeof precisionAt) =>
    judged.length === 0
      ? 0
      : judged.reduce(
          (sum, { lists: l, relevant }) => sum + metric(l[method] ?? [], relevant, LIST_LENGTH),
          0,
        ) / judged.length;
  return {
    ...scores,
    precision10: mean(precisionAt),
    recall10: mean(recallAt),
    ndcg10: mean(ndcgAt),
    coverage: catalogueCoverage(lists, catalogue),
  };
}
