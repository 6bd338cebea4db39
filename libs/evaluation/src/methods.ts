import {
  buildRatingMatrix,
  emptyPattern,
  favouritesPattern,
  type ModelSettings,
  type RatingColumns,
  type RatingMatrix,
} from '@app/clustering';
import { isFavouriteRating, MAX_RATING, MIN_RATING } from '@app/events';
import { type AlsModel, foldInUser, predictFolded } from '@app/factorization';
import { type BuiltModel, buildModel } from '@app/recluster';
import {
  aggregatesOf,
  type BiasBaseline,
  type ClusterAggregates,
  ClusterRanking,
  clusterTotals,
  type ItemKnn,
  type RankedMovie,
  type ShrinkageSettings,
  topUnseen,
} from '@app/recommend';

/**
 * - `cluster`: the production path: the user's cluster's prediction, and the cluster's most
 *   favoured movies the user has not rated (the top-rated list for a user with no cluster);
 * - `similar`: the query service's `rank=similar`: the movies most similar to the user's
 *   favourites (item neighbourhoods, as the recluster worker builds them), then the user's
 *   cluster's list;
 * - `als`: matrix factorization; the user folded in from their ratings, as the query service
 *   would do it live; the unseen movies it predicts highest;
 * - `mostFavoured`: the shrunk movie mean; the movies most users favour (the clusters' k = 1);
 * - `itemKnn`: no prediction; the movies most similar to the user's favourites, backfilled
 *   from mostFavoured;
 * - `bias`: the global mean plus regularised user and movie biases; the unseen movies it
 *   predicts highest;
 * - `topRated`: the shrunk movie mean; the same best-rated list for everyone;
 * - `globalMean`: every rating predicted as the training mean; recommends nothing;
 * - `movieMean`: the movie's shrunk mean; recommends nothing (ranking by it is `topRated`).
 */
export const METHODS = [
  'cluster',
  'similar',
  'als',
  'mostFavoured',
  'itemKnn',
  'bias',
  'topRated',
  'globalMean',
  'movieMean',
] as const;
export type Method = (typeof METHODS)[number];

/** What a method makes of one user, from the ratings it is given of them. */
export interface MethodUser {
  predict?: (movieId: number) => number;
  /** Up to `limit` movie ids the user has not rated, best first. */
  recommend?: (limit: number) => number[];
}

/** A method trained on some ratings, ready to serve any user. */
export interface MethodModel {
  forUser(userId: number, ratings: ReadonlyMap<number, number>): MethodUser;
}

/** Training ratings, one per user and movie, and their raw user x movie matrix. */
export interface TrainingSet {
  ratings: RatingColumns;
  matrix: RatingMatrix;
  favouriteMinRating: number;
}

export function trainingSetOf(ratings: RatingColumns, favouriteMinRating: number): TrainingSet {
  return {
    ratings,
    matrix: buildRatingMatrix(ratings, { values: 'raw', favouriteMinRating }),
    favouriteMinRating,
  };
}

/** A clustering model and the aggregates ingestion would keep for it in Redis. */
export interface ClusterModel {
  model: BuiltModel;
  aggregates: ClusterAggregates[];
}

/** The recluster worker's model builder, then the aggregates it publishes. */
export async function buildClusterModel(
  training: TrainingSet,
  settings: ModelSettings,
): Promise<ClusterModel> {
  const { matrix, userIds, movieIds } = training.matrix;
  const model = await buildModel(
    { userIds, movieIds, ratings: matrix, favourites: emptyPattern(matrix.rows, matrix.cols) },
    settings,
  );
  const totals = clusterTotals(matrix, model.favourites, model.rowClusters, model.clusters);
  const aggregates = Array.from({ length: model.clusters }, (_, c) =>
    aggregatesOf(totals, c, movieIds),
  );
  return { model, aggregates };
}

/** Everyone as one cluster: the statistics and lists of the non-personal methods. */
export function overallRanking(
  training: TrainingSet,
  shrinkage: ShrinkageSettings,
): ClusterRanking {
  const { matrix, movieIds } = training.matrix;
  const favourites = favouritesPattern(
    matrix,
    emptyPattern(matrix.rows, matrix.cols),
    training.favouriteMinRating,
  );
  const totals = clusterTotals(matrix, favourites, new Int32Array(matrix.rows), 1);
  return new ClusterRanking([aggregatesOf(totals, 0, movieIds)], shrinkage);
}

/** The cluster method; `clusterOf` says where a user is (undefined: no cluster). */
export function clusterMethod(
  ranking: ClusterRanking,
  clusterOf: (userId: number, ratings: ReadonlyMap<number, number>) => number | undefined,
): MethodModel {
  return {
    forUser: (userId, ratings) => {
      const cluster = clusterOf(userId, ratings);
      return {
        predict: (movieId) => ranking.predict(cluster, ratings, movieId).rating,
        recommend: (limit) =>
          unseenIds(
            cluster === undefined ? ranking.popular() : ranking.ranked(cluster, 'favourites'),
            ratings,
            limit,
          ),
      };
    },
  };
}

/** The non-personal methods, all from the one-cluster ranking of everyone. */
export function overallMethods(
  ranking: ClusterRanking,
): Record<'mostFavoured' | 'topRated' | 'globalMean' | 'movieMean', MethodModel> {
  const movieMean = (movieId: number) => ranking.movies.meanOf(movieId);
  return {
    mostFavoured: {
      forUser: (_userId, ratings) => ({
        predict: movieMean,
        recommend: (limit) => unseenIds(ranking.ranked(0, 'favourites'), ratings, limit),
      }),
    },
    topRated: {
      forUser: (_userId, ratings) => ({
        predict: movieMean,
        recommend: (limit) => unseenIds(ranking.popular(), ratings, limit),
      }),
    },
    globalMean: { forUser: () => ({ predict: () => ranking.movies.globalMean }) },
    movieMean: { forUser: () => ({ predict: movieMean }) },
  };
}

/**
 * ALS: the user folded in from the ratings given (foldInUser), as the query service would fold a
 * user in live, so a user the model was trained on gets their trained factors back. Predictions
 * are kept on the rating scale, as every other method's are. The lists may come from a model of
 * other settings (tuned for lists rather than for predictions).
 */
export function alsMethod(
  forPredictions: AlsModel,
  forLists: AlsModel = forPredictions,
): MethodModel {
  const predict = (model: AlsModel, user: ReturnType<typeof foldInUser>, movieId: number) =>
    clampRating(predictFolded(model, user, movieId));
  return {
    forUser: (_userId, ratings) => {
      const predicting = foldInUser(forPredictions, ratings);
      const listing = forLists === forPredictions ? predicting : foldInUser(forLists, ratings);
      return {
        predict: (movieId) => predict(forPredictions, predicting, movieId),
        recommend: (limit) =>
          topScored(
            forLists.movieIds,
            (movieId) => predictFolded(forLists, listing, movieId),
            ratings,
            limit,
          ),
      };
    },
  };
}

/**
 * The bias baseline: μ + b_u + b_i for the user it was trained on; its list is the unseen movies
 * of the highest b_i (b_u is the same for every movie), from a baseline that may be regularised
 * differently from the predicting one.
 */
export function biasMethod(
  forPredictions: BiasBaseline,
  forLists: BiasBaseline,
  movieIds: ArrayLike<number>,
): MethodModel {
  const ranked = Array.from(movieIds).sort(
    (a, b) => forLists.movieBias(b) - forLists.movieBias(a) || a - b,
  );
  return {
    forUser: (userId, ratings) => ({
      predict: (movieId) => forPredictions.predict(userId, movieId),
      recommend: (limit) => firstUnseen(ranked, ratings, limit),
    }),
  };
}

/** Item-item neighbours of the user's favourites, backfilled from another method's list. */
export function itemKnnMethod(
  knn: ItemKnn,
  backfill: MethodModel,
  favouriteMinRating: number,
): MethodModel {
  return {
    forUser: (userId, ratings) => ({
      recommend: (limit) => {
        const favourites: number[] = [];
        for (const [movieId, rating] of ratings) {
          if (isFavouriteRating(rating, favouriteMinRating)) favourites.push(movieId);
        }
        const list = knn.recommend(favourites, new Set(ratings.keys()), limit);
        if (list.length >= limit) return list;
        const listed = new Set(list);
        const more = backfill.forUser(userId, ratings).recommend?.(limit + list.length) ?? [];
        return [...list, ...more.filter((movieId) => !listed.has(movieId))].slice(0, limit);
      },
    }),
  };
}

const clampRating = (rating: number): number => Math.min(MAX_RATING, Math.max(MIN_RATING, rating));

const unseenIds = (
  ranked: readonly RankedMovie[],
  ratings: ReadonlyMap<number, number>,
  limit: number,
): number[] => topUnseen(ranked, new Set(ratings.keys()), limit).map((movie) => movie.movieId);

function firstUnseen(
  movieIds: readonly number[],
  ratings: ReadonlyMap<number, number>,
  limit: number,
): number[] {
  const top: number[] = [];
  for (const movieId of movieIds) {
    if (top.length >= limit) break;
    if (!ratings.has(movieId)) top.push(movieId);
  }
  return top;
}

/**
 * The `limit` unseen movies of the highest score, best first, ties to the lower movie id: an
 * insertion into a short sorted list, so a catalogue costs about one comparison a movie.
 */
function topScored(
  movieIds: ArrayLike<number>,
  score: (movieId: number) => number,
  ratings: ReadonlyMap<number, number>,
  limit: number,
): number[] {
  const top: { movieId: number; score: number }[] = [];
  for (let i = 0; i < movieIds.length; i++) {
    const movieId = movieIds[i] ?? 0;
    if (ratings.has(movieId)) continue;
    const value = score(movieId);
    const last = top[top.length - 1];
    if (top.length >= limit && last !== undefined && !(value > last.score)) continue;
    let at = top.length;
    while (at > 0 && value > (top[at - 1]?.score ?? -Infinity)) at--;
    top.splice(at, 0, { movieId, score: value });
    if (top.length > limit) top.pop();
  }
  return top.map((entry) => entry.movieId);
}
