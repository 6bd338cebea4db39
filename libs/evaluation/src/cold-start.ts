import { CentroidModel, type RatingColumns, seededRandom } from '@app/clustering';
import { isFavouriteRating, type UserProfile } from '@app/events';
import { trainAls } from '@app/factorization';
import { buildDemographicModel } from '@app/recluster';
import {
  ClusterRanking,
  ItemKnn,
  type PlacementBasis,
  type PlacementModel,
  placeUser,
} from '@app/recommend';
import { type MethodScores, scoreMethod } from './method-scores';
import {
  alsMethod,
  buildClusterModel,
  clusterMethod,
  itemKnnMethod,
  type MethodModel,
  overallMethods,
  overallRanking,
  trainingSetOf,
} from './methods';
import { ratingsByUser } from './ratings-by-user';
import { type ChosenSettings } from './tuning';
import { outcomesOf } from './user-outcomes';

/** Training ratings a cold user keeps, in each run. */
export const COLD_START_KEPT = [0, 1, 3, 5] as const;
/** Share of the users with training and test ratings made cold. */
export const COLD_USER_FRACTION = 0.1;
export const COLD_START_METHODS = ['cluster', 'similar', 'mostFavoured', 'als', 'itemKnn'] as const;
export type ColdStartMethod = (typeof COLD_START_METHODS)[number];

/** The recluster worker's defaults for the demographic model (RECLUSTER_DEMOGRAPHIC_K). */
const DEMOGRAPHIC_K = 8;
const DEMOGRAPHIC_TOP_MOVIES = 100;

export interface ColdStartSplit {
  /** The training ratings without any of the cold users'. */
  warm: RatingColumns;
  /** Each cold user's training ratings, in a seeded order: a run keeps the first n. */
  cold: Map<number, [movieId: number, rating: number][]>;
}

/**
 * Makes `fraction` of the users who have training ratings and test ratings (so every cold user
 * is scored) cold, by a generator seeded with `seed`: their training ratings leave the model's
 * training and are put in a seeded order per user, so the run that keeps 3 keeps the 1 of the
 * run that keeps 1, and 2 more.
 */
export function coldStartSplit(
  train: RatingColumns,
  testUsers: Iterable<number>,
  { seed, fraction = COLD_USER_FRACTION }: { seed: number; fraction?: number },
): ColdStartSplit {
  const trained = ratingsByUser(train);
  const testSet = new Set(testUsers);
  const candidates = [...trained.keys()].filter((userId) => testSet.has(userId));
  const random = seededRandom(seed);
  const chosen = shuffled(candidates, random).slice(0, Math.round(candidates.length * fraction));
  const cold = new Map<number, [number, number][]>();
  for (const userId of chosen.sort((a, b) => a - b)) {
    cold.set(userId, shuffled([...(trained.get(userId) ?? [])], random));
  }
  const keep: number[] = [];
  for (let i = 0; i < train.userIds.length; i++) if (!cold.has(train.userIds[i] ?? 0)) keep.push(i);
  const pick = <T extends Int32Array | Float64Array | Float32Array>(column: T): T => {
    const into = new (column.constructor as new (length: number) => T)(keep.length);
    keep.forEach((index, i) => (into[i] = column[index] ?? 0));
    return into;
  };
  return {
    warm: {
      userIds: pick(train.userIds),
      movieIds: pick(train.movieIds),
      ratings: pick(train.ratings),
    },
    cold,
  };
}

/** The first `kept` of each cold user's training ratings, or all they have when fewer. */
export function keptRatings(split: ColdStartSplit, kept: number): Map<number, Map<number, number>> {
  return new Map(
    [...split.cold].map(([userId, ratings]) => [userId, new Map(ratings.slice(0, kept))]),
  );
}

export interface ColdStartRun {
  kept: number;
  /** Cold users scored: those with test ratings. */
  users: number;
  methods: Record<ColdStartMethod, MethodScores>;
  /** How the cluster method placed the cold users (placeUser's basis). */
  placements: Partial<Record<PlacementBasis, number>>;
}

export interface ColdStartResult {
  coldUsers: number;
  warmRatings: number;
  runs: ColdStartRun[];
  seconds: number;
}

/**
 * New users, from none to a few ratings: the methods are trained with the chosen settings on
 * the training ratings without the cold users', then each cold user is given 0, 1, 3 and 5 of
 * their training ratings and scored on their test ratings. The cluster method places them as
 * production places a user it did not cluster (placeUser: nearest centre, else the demographic
 * model built from the other users' profiles and clusters, else the largest cluster).
 */
export async function evaluateColdStart(
  data: { train: RatingColumns; test: RatingColumns; profiles?: ReadonlyMap<number, UserProfile> },
  chosen: ChosenSettings,
  options: { threads?: number } = {},
): Promise<ColdStartResult> {
  const started = performance.now();
  const { favouriteMinRating } = chosen.model;
  const held = ratingsByUser(data.test);
  const split = coldStartSplit(data.train, held.keys(), { seed: chosen.model.seed });
  const warm = trainingSetOf(split.warm, favouriteMinRating);
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  const built = await buildClusterModel(warm, { ...chosen.model, ...threads });
  const warmByUser = ratingsByUser(split.warm);
  const profiles = data.profiles;
  const demographics =
    profiles === undefined
      ? undefined
      : buildDemographicModel(
          new Map([...profiles].filter(([userId]) => !split.cold.has(userId))),
          (userId) =>
            [...(warmByUser.get(userId) ?? [])]
              .filter(([, rating]) => isFavouriteRating(rating, favouriteMinRating))
              .map(([movieId]) => movieId),
          (userId) => built.model.assignments.get(userId),
          {
            k: DEMOGRAPHIC_K,
            minClusterSize: chosen.model.minClusterSize,
            seed: chosen.model.seed,
            topMovies: DEMOGRAPHIC_TOP_MOVIES,
          },
        );
  const placement: PlacementModel = {
    centroids: new CentroidModel(
      built.model.clusters,
      built.model.centroids,
      built.model.movieIds,
      {
        values: chosen.model.values,
        favouriteMinRating,
        normalize: chosen.model.normalize,
      },
    ),
    demographics,
    sizes: built.model.sizesAfter,
  };
  const placeOf = (userId: number, ratings: ReadonlyMap<number, number>) =>
    placeUser(placement, ratings, profiles?.get(userId));

  const { mostFavoured } = overallMethods(overallRanking(warm, chosen.shrinkage));
  const alsForPredictions = await trainAls(warm.matrix, chosen.als.predictions, threads);
  const alsForLists = sameSettings(chosen.als.lists, chosen.als.predictions)
    ? alsForPredictions
    : await trainAls(warm.matrix, chosen.als.lists, threads);
  const cluster = clusterMethod(
    new ClusterRanking(built.aggregates, chosen.shrinkage),
    (userId, ratings) => placeOf(userId, ratings).cluster,
  );
  const knn = ItemKnn.fromRatings(warm.ratings, favouriteMinRating, chosen.itemKnn);
  const models: Record<ColdStartMethod, MethodModel> = {
    cluster,
    similar: itemKnnMethod(knn, cluster, favouriteMinRating),
    mostFavoured,
    als: alsMethod(alsForPredictions, alsForLists),
    itemKnn: itemKnnMethod(knn, mostFavoured, favouriteMinRating),
  };
  const coldHeld = new Map([...held].filter(([userId]) => split.cold.has(userId)));
  const catalogue = warm.matrix.movieIds.length;
  const runs = COLD_START_KEPT.map((kept): ColdStartRun => {
    const known = keptRatings(split, kept);
    const outcomes = outcomesOf(models, known, coldHeld, { favouriteMinRating });
    const placements: ColdStartRun['placements'] = {};
    for (const userId of coldHeld.keys()) {
      const { basis } = placeOf(userId, known.get(userId) ?? new Map<number, number>());
      placements[basis] = (placements[basis] ?? 0) + 1;
    }
    return {
      kept,
      users: coldHeld.size,
      methods: Object.fromEntries(
        COLD_START_METHODS.map((method) => [method, scoreMethod(outcomes, method, catalogue)]),
      ) as Record<ColdStartMethod, MethodScores>,
      placements,
    };
  });
  return {
    coldUsers: split.cold.size,
    warmRatings: split.warm.userIds.length,
    runs,
    seconds: (performance.now() - started) / 1000,
  };
}

export const sameSettings = <T extends object>(a: T, b: T): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** A seeded Fisher-Yates shuffle into a new array. */
function shuffled<T>(values: readonly T[], random: () => number): T[] {
  const result = [...values];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = result[i] as T;
    result[i] = result[j] as T;
    result[j] = held;
  }
  return result;
}
