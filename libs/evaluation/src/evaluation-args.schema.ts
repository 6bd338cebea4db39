import { type ArgsOf, option } from '@app/cli';
import { DEFAULT_MODEL_SETTINGS, MATRIX_VALUES, type ModelSettings } from '@app/clustering';
import { DEFAULT_SHRINKAGE } from '@app/recommend';
import { type EvaluationSettings } from './evaluator';

/** The options `evaluate` and `report` share; each command adds its own. */
export const evaluationOptions = {
  ratings: option.required('ratings: ratings.csv, u.data (or u1.base) or ratings.dat', {
    value: 'FILE',
  }),
  test: option.string(
    'held-out ratings (e.g. u1.test); without it a seeded per-user 80/20 split of --ratings',
    { value: 'FILE' },
  ),
  users: option.string('demographics (u.user or users.dat): metrics per gender and age group', {
    value: 'FILE',
  }),
  movies: option.string('titles (movies.csv, u.item or movies.dat)', { value: 'FILE' }),
  k: option.int(`clusters (default ${DEFAULT_MODEL_SETTINGS.k}, as the recluster worker)`, {
    min: 1,
    max: 10_000,
  }),
  'min-cluster-size': option.int('smaller clusters are merged', {
    min: 1,
    defaultValue: DEFAULT_MODEL_SETTINGS.minClusterSize,
  }),
  values: option.choice(MATRIX_VALUES, 'how ratings become matrix values', {
    defaultValue: DEFAULT_MODEL_SETTINGS.values,
  }),
  'no-normalize': option.flag('cluster the rows as they are (default: unit length, as the worker)'),
  restarts: option.int('k-means++ starts per k', {
    min: 1,
    max: 100,
    defaultValue: DEFAULT_MODEL_SETTINGS.restarts,
  }),
  seed: option.int('seed of the split and of k-means', {
    defaultValue: DEFAULT_MODEL_SETTINGS.seed,
  }),
  'prior-weight': option.number('shrinkage prior weight, in ratings', {
    min: 0,
    defaultValue: DEFAULT_SHRINKAGE.priorWeight,
  }),
  'cluster-prior-weight': option.number("prior weight of the cluster's deviation in predictions", {
    min: 0,
    defaultValue: DEFAULT_SHRINKAGE.clusterPriorWeight,
  }),
  'min-support': option.int('fewest cluster ratings a cluster mean needs', {
    min: 1,
    defaultValue: DEFAULT_SHRINKAGE.minSupport,
  }),
  threads: option.int('k-means worker threads (default: the available cores)', {
    min: 1,
    max: 256,
  }),
};

export type EvaluationArgs = ArgsOf<typeof evaluationOptions>;

/** What the model builder and the ranking get for one k. */
export function evaluationSettingsOf(args: EvaluationArgs, k: number): EvaluationSettings {
  const model: ModelSettings = {
    k,
    minClusterSize: args['min-cluster-size'],
    values: args.values,
    normalize: !args['no-normalize'],
    favouriteMinRating: DEFAULT_MODEL_SETTINGS.favouriteMinRating,
    seed: args.seed,
    restarts: args.restarts,
    ...(args.threads === undefined ? {} : { threads: args.threads }),
  };
  return {
    model,
    shrinkage: {
      priorWeight: args['prior-weight'],
      clusterPriorWeight: args['cluster-prior-weight'],
      minSupport: args['min-support'],
    },
  };
}

/** The ks from A to B. */
export const ksOf = ([from, to]: readonly [number, number]): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
