import { type MatrixValues, type ModelSettings, type RatingColumns } from '@app/clustering';
import { type AlsSettings, trainAls } from '@app/factorization';
import {
  BiasBaseline,
  type BiasBaselineSettings,
  ClusterRanking,
  ItemKnn,
  type ItemKnnSettings,
  type ShrinkageSettings,
} from '@app/recommend';
import { type MethodScores, scoreMethod } from './method-scores';
import {
  alsMethod,
  biasMethod,
  buildClusterModel,
  clusterMethod,
  type ClusterModel,
  itemKnnMethod,
  type Method,
  type MethodModel,
  overallMethods,
  overallRanking,
  type TrainingSet,
  trainingSetOf,
} from './methods';
import { splitPerUser } from './rating-split';
import { ratingsByUser } from './ratings-by-user';
import { outcomesOf, type RatingsByUser } from './user-outcomes';

/** Share of each user's training ratings held out to choose settings on. */
export const VALIDATION_FRACTION = 0.2;

export type BiasRegularization = Pick<
  BiasBaselineSettings,
  'userRegularization' | 'movieRegularization'
>;
export type AlsGridPoint = Pick<AlsSettings, 'factors' | 'regularization'>;
export type ShrinkageGridPoint = Pick<ShrinkageSettings, 'priorWeight' | 'clusterPriorWeight'>;

/** The values each tuned setting is chosen from; a single value fixes the setting. */
export interface TuningGrids {
  /** How ratings become the clustered matrix's values (the recluster worker's RECLUSTER_VALUES). */
  values: readonly MatrixValues[];
  k: readonly number[];
  priorWeight: readonly number[];
  clusterPriorWeight: readonly number[];
  alsFactors: readonly number[];
  alsRegularization: readonly number[];
  itemKnnNeighbours: readonly number[];
  biasRegularization: readonly BiasRegularization[];
}

/** Small enough that one ml-100k fold tunes in a few minutes on two cores. */
export const DEFAULT_GRIDS: TuningGrids = {
  values: ['centred', 'binary', 'favourites'],
  k: [5, 10, 20, 30, 40],
  priorWeight: [2, 5, 10],
  clusterPriorWeight: [0, 5, 25, 100],
  alsFactors: [8, 16, 32],
  alsRegularization: [0.02, 0.05, 0.1],
  itemKnnNeighbours: [10, 25, 50, 100, 200],
  biasRegularization: [
    { userRegularization: 5, movieRegularization: 5 },
    { userRegularization: 15, movieRegularization: 10 },
    { userRegularization: 25, movieRegularization: 25 },
  ],
};

/** What decides a list is chosen by NDCG@10, what decides a prediction by RMSE. */
export type TuningMetric = 'ndcg10' | 'rmse';

/** One tuned setting: its grid, each value's validation score, and the value chosen. */
export interface TunedSetting<T> {
  grid: T[];
  /** The validation score of each grid value, in grid order. */
  scores: number[];
  chosen: T;
  by: `validation ${TuningMetric}`;
}

/** Every setting that was tuned; a setting fixed by its grid's single value is not listed. */
export interface Tuned {
  /**
   * The clustered matrix's values, for the cluster lists: each value scores its best k (so the
   * pair chosen is the best of the whole values x k grid).
   */
  values?: TunedSetting<MatrixValues>;
  /** The clusters' k at the chosen values, for their lists (the shrinkage is tuned at that k). */
  k?: TunedSetting<number>;
  shrinkage?: TunedSetting<ShrinkageGridPoint>;
  alsForPredictions?: TunedSetting<AlsGridPoint>;
  alsForLists?: TunedSetting<AlsGridPoint>;
  itemKnnNeighbours?: TunedSetting<number>;
  biasForPredictions?: TunedSetting<BiasRegularization>;
  biasForLists?: TunedSetting<BiasRegularization>;
}

/** The tuned settings by name, in the order they were tuned. */
export const tunedSettings = (tuned: Tuned): [name: string, setting: TunedSetting<unknown>][] =>
  Object.entries(tuned) as [string, TunedSetting<unknown>][];

/** The settings every method is trained with on the full training ratings. */
export interface ChosenSettings {
  model: ModelSettings;
  shrinkage: ShrinkageSettings;
  als: { predictions: AlsSettings; lists: AlsSettings };
  itemKnn: ItemKnnSettings;
  bias: { predictions: BiasBaselineSettings; lists: BiasBaselineSettings };
}

/** What tuning starts from: everything but the grids' settings. */
export interface BaseSettings {
  /** The clustering's settings; its k is taken from the grid. */
  model: ModelSettings;
  minSupport: number;
  /** ALS alternations and seed; factors and regularisation are taken from the grids. */
  als: Pick<AlsSettings, 'iterations' | 'seed'>;
  biasIterations: number;
  /** Worker threads of k-means and ALS: how models are computed, not what they are. */
  threads?: number;
}

export interface TuningResult {
  chosen: ChosenSettings;
  tuned: Tuned;
  validationRatings: number;
}

/**
 * Chooses every setting of the grids on a validation split carved out of the training ratings
 * (splitPerUser, `VALIDATION_FRACTION` of each user's ratings): models are fitted on the rest
 * and scored on the validation ratings, lists by NDCG@10 and predictions by RMSE. The test
 * ratings are not an argument: nothing here can read them.
 *
 * The clustered matrix's values and k are chosen together for the cluster lists (the best pair
 * of the grid) with the first shrinkage of the grids, then the shrinkage for their predictions
 * at that pair. ALS and the bias baseline serve predictions and
 * lists from one model each when one setting wins both, else from two.
 */
export async function tuneSettings(
  train: RatingColumns,
  base: BaseSettings,
  grids: TuningGrids,
): Promise<TuningResult> {
  const { model: modelSettings } = base;
  const split = splitPerUser(train, {
    seed: modelSettings.seed,
    testFraction: VALIDATION_FRACTION,
  });
  const fit = trainingSetOf(split.train, modelSettings.favouriteMinRating);
  const validation: Validation = {
    fit,
    known: ratingsByUser(split.train),
    held: ratingsByUser(split.test),
    catalogue: fit.matrix.movieIds.length,
  };
  const tuned: Tuned = {};
  const threads = base.threads === undefined ? {} : { threads: base.threads };

  const shrinkageOf = (point: ShrinkageGridPoint): ShrinkageSettings => ({
    ...point,
    minSupport: base.minSupport,
  });
  const shrinkageGrid = grids.priorWeight.flatMap((priorWeight) =>
    grids.clusterPriorWeight.map((clusterPriorWeight) => ({ priorWeight, clusterPriorWeight })),
  );
  const firstShrinkage = shrinkageOf(first(shrinkageGrid));
  const clusterModels = new Map<string, ClusterModel>();
  const clusterModelAt = async (values: MatrixValues, k: number): Promise<ClusterModel> => {
    let built = clusterModels.get(`${values}:${k}`);
    if (built === undefined) {
      built = await buildClusterModel(fit, { ...modelSettings, ...threads, values, k });
      clusterModels.set(`${values}:${k}`, built);
    }
    return built;
  };
  // Every value's row of k scores (a single k is not scored), then the row of the best score.
  const kRows: MethodScores[][] = [];
  for (const values of grids.values) {
    kRows.push(
      grids.values.length < 2 && grids.k.length < 2
        ? grids.k.map(() => ({}))
        : await scoreAll(validation, 'cluster', grids.k, async (k) =>
            clusterOf(await clusterModelAt(values, k), firstShrinkage),
          ),
    );
  }
  const bestOf = (row: readonly MethodScores[]): MethodScores => ({
    ndcg10: Math.max(...row.map((score) => score.ndcg10 ?? NaN)),
  });
  const values = choose(tuned, 'values', grids.values, kRows.map(bestOf), 'ndcg10');
  const kScores = kRows[grids.values.indexOf(values)] ?? [];
  const k = choose(tuned, 'k', grids.k, kScores, 'ndcg10');
  const shrinkageScores =
    shrinkageGrid.length < 2
      ? []
      : await scoreGrid(validation, 'cluster', shrinkageGrid, async (point) =>
          clusterOf(await clusterModelAt(values, k), shrinkageOf(point)),
        );
  clusterModels.clear();
  const shrinkage = shrinkageOf(choose(tuned, 'shrinkage', shrinkageGrid, shrinkageScores, 'rmse'));

  const alsGrid = grids.alsFactors.flatMap((factors) =>
    grids.alsRegularization.map((regularization) => ({ factors, regularization })),
  );
  const alsScores = await scoreGrid(validation, 'als', alsGrid, async (point) =>
    alsMethod(await trainAls(fit.matrix, { ...base.als, ...point }, threads)),
  );
  const alsOf = (point: AlsGridPoint): AlsSettings => ({ ...base.als, ...point });

  const mostFavoured = overallMethods(overallRanking(fit, shrinkage)).mostFavoured;
  const knnScores = await scoreGrid(validation, 'itemKnn', grids.itemKnnNeighbours, (neighbours) =>
    itemKnnMethod(
      ItemKnn.fromRatings(fit.ratings, fit.favouriteMinRating, { neighbours }),
      mostFavoured,
      fit.favouriteMinRating,
    ),
  );

  const biasOf = (point: BiasRegularization): BiasBaselineSettings => ({
    ...point,
    iterations: base.biasIterations,
  });
  const biasScores = await scoreGrid(validation, 'bias', grids.biasRegularization, (point) => {
    const baseline = new BiasBaseline(fit.ratings, biasOf(point));
    return biasMethod(baseline, baseline, fit.matrix.movieIds);
  });

  return {
    chosen: {
      model: { ...modelSettings, values, k },
      shrinkage,
      als: {
        predictions: alsOf(choose(tuned, 'alsForPredictions', alsGrid, alsScores, 'rmse')),
        lists: alsOf(choose(tuned, 'alsForLists', alsGrid, alsScores, 'ndcg10')),
      },
      itemKnn: {
        neighbours: choose(
          tuned,
          'itemKnnNeighbours',
          grids.itemKnnNeighbours,
          knnScores,
          'ndcg10',
        ),
      },
      bias: {
        predictions: biasOf(
          choose(tuned, 'biasForPredictions', grids.biasRegularization, biasScores, 'rmse'),
        ),
        lists: biasOf(
          choose(tuned, 'biasForLists', grids.biasRegularization, biasScores, 'ndcg10'),
        ),
      },
    },
    tuned,
    validationRatings: split.test.userIds.length,
  };
}

interface Validation {
  fit: TrainingSet;
  known: RatingsByUser;
  held: RatingsByUser;
  catalogue: number;
}

/** The cluster method on validation users, who are all in the fitted model. */
function clusterOf(built: ClusterModel, shrinkage: ShrinkageSettings): MethodModel {
  const ranking = new ClusterRanking(built.aggregates, shrinkage);
  return clusterMethod(ranking, (userId) => built.model.assignments.get(userId));
}

/**
 * Each grid value's method, fitted on the fit ratings and scored on the validation ratings; a
 * single value, which leaves nothing to choose, is not scored.
 */
async function scoreGrid<T>(
  validation: Validation,
  method: Method,
  grid: readonly T[],
  build: (value: T) => MethodModel | Promise<MethodModel>,
): Promise<MethodScores[]> {
  if (grid.length < 2) return grid.map(() => ({}));
  return scoreAll(validation, method, grid, build);
}

/** As scoreGrid, a single value scored too. */
async function scoreAll<T>(
  validation: Validation,
  method: Method,
  grid: readonly T[],
  build: (value: T) => MethodModel | Promise<MethodModel>,
): Promise<MethodScores[]> {
  const scores: MethodScores[] = [];
  for (const value of grid) {
    const model = await build(value);
    const outcomes = outcomesOf({ [method]: model }, validation.known, validation.held, {
      favouriteMinRating: validation.fit.favouriteMinRating,
    });
    scores.push(scoreMethod(outcomes, method, validation.catalogue));
  }
  return scores;
}

/**
 * The grid value of the best validation score (the lowest RMSE, the highest NDCG@10; the first
 * on a tie), recorded in `tuned` under `name` when there was a choice to make.
 */
function choose<T>(
  tuned: Tuned,
  name: keyof Tuned,
  grid: readonly T[],
  scores: readonly MethodScores[],
  by: TuningMetric,
): T {
  if (grid.length < 2) return first(grid);
  const values = scores.map((score) => score[by] ?? NaN);
  const sign = by === 'rmse' ? -1 : 1;
  let best = 0;
  values.forEach((value, i) => {
    if (sign * value > sign * (values[best] ?? NaN) || Number.isNaN(values[best] ?? NaN)) best = i;
  });
  const chosen = grid[best] as T;
  (tuned as Record<keyof Tuned, TunedSetting<T>>)[name] = {
    grid: [...grid],
    scores: values,
    chosen,
    by: `validation ${by}`,
  };
  return chosen;
}

function first<T>(grid: readonly T[]): T {
  const [value] = grid;
  if (value === undefined) throw new RangeError('a tuning grid needs at least one value');
  return value;
}
