import { type RatingColumns } from '@app/clustering';
import { type UserProfile } from '@app/events';
import { trainAls } from '@app/factorization';
import { type BuiltModel } from '@app/recluster';
import { BiasBaseline, ClusterRanking, ItemKnn } from '@app/recommend';
import { type ColdStartResult, evaluateColdStart, sameSettings } from './cold-start';
import { type MethodScores, scoreMethod, type UserOutcome } from './method-scores';
import {
  alsMethod,
  biasMethod,
  buildClusterModel,
  clusterMethod,
  itemKnnMethod,
  type Method,
  type MethodModel,
  METHODS,
  overallMethods,
  overallRanking,
  trainingSetOf,
} from './methods';
import { latestRatings } from './rating-split';
import { ratingsByUser } from './ratings-by-user';
import {
  type BaseSettings,
  type ChosenSettings,
  type Tuned,
  type TuningGrids,
  tuneSettings,
} from './tuning';
import { outcomesOf } from './user-outcomes';

export interface EvaluationSettings extends BaseSettings {
  grids: TuningGrids;
  /** Also score new users with 0, 1, 3 and 5 ratings (see evaluateColdStart). */
  coldStart?: boolean;
}

export interface EvaluationInput {
  train: RatingColumns;
  test: RatingColumns;
  /** Demographics by user id, for placing cold-start users. */
  profiles?: ReadonlyMap<number, UserProfile> | undefined;
}

export interface Evaluation {
  k: number;
  model: BuiltModel;
  ranking: ClusterRanking;
  methods: Record<Method, MethodScores>;
  outcomes: UserOutcome[];
  /** What every method was trained with on the full training ratings. */
  settings: ChosenSettings;
  /** What was chosen on the validation ratings, from what. */
  tuned: Tuned;
  validationRatings: number;
  trainRatings: number;
  testRatings: number;
  testUsers: number;
  /** Test users without training ratings, so without a cluster. */
  coldUsers: number;
  /** Distinct movies in training: what coverage is a share of. */
  catalogue: number;
  coldStart?: ColdStartResult;
  seconds: { tuning: number; model: number; scoring: number };
}

export interface EvaluateOptions {
  /** Called with the test users scored so far, for progress bars. */
  onProgress?: (users: number, total: number) => void;
  /** Called as each stage starts, for progress messages. */
  onStage?: (stage: string) => void;
}

/**
 * Chooses every method's settings on validation ratings carved out of `train` (tuneSettings),
 * trains every method with them on all of `train`, the cluster method exactly as production
 * does (the recluster worker's model builder, the aggregates ingestion keeps in Redis, the query
 * service's ranking), and scores each once on `test`. Explicit favourites are not part of
 * MovieLens, so favourites are the ratings of at least the favourite threshold, as ingestion
 * derives them.
 */
export async function evaluate(
  data: EvaluationInput,
  settings: EvaluationSettings,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const train = latestRatings(data.train);
  const test = latestRatings(data.test);
  const { favouriteMinRating } = settings.model;
  const threads = settings.threads === undefined ? {} : { threads: settings.threads };
  let started = performance.now();
  options.onStage?.('tuning on validation ratings');
  const { chosen, tuned, validationRatings } = await tuneSettings(train, settings, settings.grids);
  const tuningSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  options.onStage?.('training with the chosen settings');
  const training = trainingSetOf(train, favouriteMinRating);
  const { model, aggregates } = await buildClusterModel(training, { ...chosen.model, ...threads });
  const ranking = new ClusterRanking(aggregates, chosen.shrinkage);
  const overall = overallMethods(overallRanking(training, chosen.shrinkage));
  const alsForPredictions = await trainAls(training.matrix, chosen.als.predictions, threads);
  const alsForLists = sameSettings(chosen.als.lists, chosen.als.predictions)
    ? alsForPredictions
    : await trainAls(training.matrix, chosen.als.lists, threads);
  const biasForPredictions = new BiasBaseline(train, chosen.bias.predictions);
  const biasForLists = sameSettings(chosen.bias.lists, chosen.bias.predictions)
    ? biasForPredictions
    : new BiasBaseline(train, chosen.bias.lists);
  const cluster = clusterMethod(ranking, (userId) => model.assignments.get(userId));
  const knn = ItemKnn.fromRatings(train, favouriteMinRating, chosen.itemKnn);
  const models: Record<Method, MethodModel> = {
    cluster,
    similar: itemKnnMethod(knn, cluster, favouriteMinRating),
    als: alsMethod(alsForPredictions, alsForLists),
    mostFavoured: overall.mostFavoured,
    itemKnn: itemKnnMethod(knn, overall.mostFavoured, favouriteMinRating),
    bias: biasMethod(biasForPredictions, biasForLists, training.matrix.movieIds),
    topRated: overall.topRated,
    globalMean: overall.globalMean,
    movieMean: overall.movieMean,
  };
  const modelSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  options.onStage?.('scoring the test ratings');
  const held = ratingsByUser(test);
  const outcomes = outcomesOf(models, ratingsByUser(train), held, {
    favouriteMinRating,
    clusterOf: (userId) => model.assignments.get(userId),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  const catalogue = training.matrix.movieIds.length;
  const methods = Object.fromEntries(
    METHODS.map((method) => [method, scoreMethod(outcomes, method, catalogue)]),
  ) as Record<Method, MethodScores>;
  const scoringSeconds = (performance.now() - started) / 1000;

  if (settings.coldStart === true) options.onStage?.('cold start');
  const coldStart =
    settings.coldStart === true
      ? await evaluateColdStart({ train, test, profiles: data.profiles }, chosen, threads)
      : undefined;
  return {
    k: chosen.model.k,
    model,
    ranking,
    methods,
    outcomes,
    settings: chosen,
    tuned,
    validationRatings,
    trainRatings: train.userIds.length,
    testRatings: test.userIds.length,
    testUsers: held.size,
    coldUsers: outcomes.filter((outcome) => outcome.cluster === undefined).length,
    catalogue,
    ...(coldStart === undefined ? {} : { coldStart }),
    seconds: { tuning: tuningSeconds, model: modelSeconds, scoring: scoringSeconds },
  };
}
