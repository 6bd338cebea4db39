import { type ArgsOf, option, rangeWithinData, UsageError, withinData } from '@app/cli';
import {
  DEFAULT_MODEL_SETTINGS,
  denseIndex,
  MATRIX_VALUES,
  type RatingColumns,
} from '@app/clustering';
import { DEFAULT_ALS_SETTINGS } from '@app/factorization';
import { DEFAULT_BIAS_BASELINE, DEFAULT_SHRINKAGE } from '@app/recommend';
import { type EvaluationSettings } from './evaluator';
import { DEFAULT_GRIDS } from './tuning';

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
  k: option.int('clusters, fixed (default: chosen on validation ratings from the k grid)', {
    min: 1,
    max: 10_000,
  }),
  'min-cluster-size': option.int('smaller clusters are merged', {
    min: 1,
    defaultValue: DEFAULT_MODEL_SETTINGS.minClusterSize,
  }),
  values: option.choice(
    MATRIX_VALUES,
    `how ratings become matrix values, fixed (default: chosen from ${DEFAULT_GRIDS.values.join(', ')})`,
  ),
  'no-normalize': option.flag('cluster the rows as they are (default: unit length, as the worker)'),
  restarts: option.int('k-means++ starts per k', {
    min: 1,
    max: 100,
    defaultValue: DEFAULT_MODEL_SETTINGS.restarts,
  }),
  seed: option.int('seed of the split and of k-means', {
    defaultValue: DEFAULT_MODEL_SETTINGS.seed,
  }),
  'prior-weight': option.number(
    `shrinkage prior weight, in ratings, fixed (default: chosen from ${DEFAULT_GRIDS.priorWeight.join(', ')})`,
    { min: 0 },
  ),
  'cluster-prior-weight': option.number(
    `prior weight of the cluster's deviation in predictions, fixed (default: chosen from ${DEFAULT_GRIDS.clusterPriorWeight.join(', ')})`,
    { min: 0 },
  ),
  'min-support': option.int('fewest cluster ratings a cluster mean needs', {
    min: 1,
    defaultValue: DEFAULT_SHRINKAGE.minSupport,
  }),
  threads: option.int('k-means and ALS worker threads (default: the available cores)', {
    min: 1,
    max: 256,
  }),
  'cold-start': option.flag(
    'also score a seeded 10% of the users as new, keeping 0, 1, 3 and 5 of their training ratings',
  ),
};

export type EvaluationArgs = ArgsOf<typeof evaluationOptions>;

/**
 * What evaluate tunes and trains with: the grids of DEFAULT_GRIDS, except `kGrid` for k and a
 * single value for each setting the arguments fix.
 */
export function evaluationSettingsOf(
  args: EvaluationArgs,
  kGrid: readonly number[],
): EvaluationSettings {
  const threads = args.threads === undefined ? {} : { threads: args.threads };
  const fixedOr = (value: number | undefined, grid: readonly number[]) =>
    value === undefined ? grid : [value];
  return {
    model: {
      k: kGrid[0] ?? DEFAULT_MODEL_SETTINGS.k,
      minClusterSize: args['min-cluster-size'],
      values: args.values ?? DEFAULT_GRIDS.values[0] ?? DEFAULT_MODEL_SETTINGS.values,
      normalize: !args['no-normalize'],
      favouriteMinRating: DEFAULT_MODEL_SETTINGS.favouriteMinRating,
      seed: args.seed,
      restarts: args.restarts,
      ...threads,
    },
    minSupport: args['min-support'],
    als: { iterations: DEFAULT_ALS_SETTINGS.iterations, seed: args.seed },
    biasIterations: DEFAULT_BIAS_BASELINE.iterations,
    ...threads,
    grids: {
      ...DEFAULT_GRIDS,
      values: args.values === undefined ? DEFAULT_GRIDS.values : [args.values],
      k: kGrid,
      priorWeight: fixedOr(args['prior-weight'], DEFAULT_GRIDS.priorWeight),
      clusterPriorWeight: fixedOr(args['cluster-prior-weight'], DEFAULT_GRIDS.clusterPriorWeight),
    },
    coldStart: args['cold-start'],
  };
}

/** The ks from A to B. */
export const ksOf = ([from, to]: readonly [number, number]): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * The ks to tune over: --k, every k of --k-range, or the default grid; none above the users of
 * the training ratings, as k-means cannot form more clusters than it has users. A --k, or a
 * whole --k-range, above them is a usage error naming the option; the ks of a range or of the
 * default grid above them are left out, and `note` says so.
 */
export function kGridOf(
  args: { k?: number | undefined; 'k-range'?: readonly [number, number] | undefined },
  train: RatingColumns,
  note: (message: string) => void,
): number[] {
  const users = denseIndex(train.userIds).ids.length;
  const bound = { limit: users, what: 'users in the training ratings' };
  if (args.k !== undefined) return [withinData('k', args.k, bound)];
  if (args['k-range'] !== undefined) {
    return ksOf(rangeWithinData('k-range', args['k-range'], bound, note));
  }
  const grid = DEFAULT_GRIDS.k.filter((k) => k <= users);
  if (grid.length === 0) {
    throw new UsageError(
      `only ${users} users in the training ratings, fewer than any k of the default grid ` +
        `(${DEFAULT_GRIDS.k.join(', ')}); give --k at most ${users}`,
    );
  }
  if (grid.length < DEFAULT_GRIDS.k.length) {
    note(`k grid: only ${users} users in the training ratings, so trying ${grid.join(', ')}`);
  }
  return grid;
}

/**
 * What the tiny-cluster merge did to k, when it left fewer clusters than asked for; undefined
 * when it left k.
 */
export function mergedClustersNote(
  { k, clusters }: { k: number; clusters: number },
  minClusterSize: number,
): string | undefined {
  return clusters < k
    ? `k ${k}: ${clusters} clusters left after merging those of fewer than ${minClusterSize} ` +
        'users (--min-cluster-size)'
    : undefined;
}
