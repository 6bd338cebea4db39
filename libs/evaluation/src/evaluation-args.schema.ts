import { z } from 'zod';
import { MATRIX_VALUES } from '@app/clustering';
import { DEFAULT_MODEL_SETTINGS, type ModelSettings } from '@app/recluster';
import { DEFAULT_SHRINKAGE } from '@app/recommend';
import { type EvaluationSettings } from './evaluator';

/** The options `evaluate` and `report` share, for node:util parseArgs. */
export const EVALUATION_OPTIONS = {
  ratings: { type: 'string' },
  test: { type: 'string' },
  users: { type: 'string' },
  movies: { type: 'string' },
  k: { type: 'string' },
  'k-range': { type: 'string' },
  'min-cluster-size': { type: 'string' },
  values: { type: 'string' },
  'no-normalize': { type: 'boolean' },
  restarts: { type: 'string' },
  seed: { type: 'string' },
  'prior-weight': { type: 'string' },
  'cluster-prior-weight': { type: 'string' },
  'min-support': { type: 'string' },
  threads: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const EVALUATION_OPTIONS_USAGE = `  --ratings FILE          ratings: ratings.csv, u.data (or u1.base) or ratings.dat
  --test FILE             held-out ratings (e.g. u1.test); without it a seeded per-user
                          80/20 split of --ratings
  --users FILE            demographics (u.user or users.dat): metrics per gender and age group
  --movies FILE           titles (movies.csv, u.item or movies.dat)
  --k N                   clusters (default ${DEFAULT_MODEL_SETTINGS.k}, as the recluster worker)
  --k-range A:B           every k from A to B, inclusive
  --min-cluster-size N    smaller clusters are merged (default ${DEFAULT_MODEL_SETTINGS.minClusterSize})
  --values V              centred | raw | binary | favourites (default ${DEFAULT_MODEL_SETTINGS.values})
  --no-normalize          cluster the rows as they are (default: unit length, as the worker)
  --restarts N            k-means++ starts per k (default ${DEFAULT_MODEL_SETTINGS.restarts})
  --seed S                seed of the split and of k-means (default ${DEFAULT_MODEL_SETTINGS.seed})
  --prior-weight W        shrinkage prior weight, in ratings (default ${DEFAULT_SHRINKAGE.priorWeight})
  --cluster-prior-weight W  prior weight of the cluster's deviation in predictions (default ${DEFAULT_SHRINKAGE.clusterPriorWeight})
  --min-support N         fewest cluster ratings a cluster mean needs (default ${DEFAULT_SHRINKAGE.minSupport})
  --threads N             k-means worker threads (default: the available cores)
  -h, --help              show this help`;

const positiveInt = z.coerce.number().int().positive();
const kRange = z
  .string()
  .regex(/^\d+:\d+$/, 'expected A:B')
  .transform((range) => range.split(':').map(Number) as [number, number])
  .refine(([a, b]) => a >= 1 && a <= b, 'expected 1 <= A <= B');

/** The shared options, validated; `k-range` stays optional so each command sets its meaning. */
export const evaluationArgsSchema = z.object({
  ratings: z.string({ error: 'required (ratings.csv, u.data or ratings.dat)' }).min(1),
  test: z.string().min(1).optional(),
  users: z.string().min(1).optional(),
  movies: z.string().min(1).optional(),
  k: positiveInt.optional(),
  'k-range': kRange.optional(),
  'min-cluster-size': positiveInt.default(DEFAULT_MODEL_SETTINGS.minClusterSize),
  values: z.enum(MATRIX_VALUES).default(DEFAULT_MODEL_SETTINGS.values),
  'no-normalize': z.boolean().default(false),
  restarts: positiveInt.max(100).default(DEFAULT_MODEL_SETTINGS.restarts),
  seed: z.coerce.number().int().nonnegative().default(DEFAULT_MODEL_SETTINGS.seed),
  'prior-weight': z.coerce.number().nonnegative().default(DEFAULT_SHRINKAGE.priorWeight),
  'cluster-prior-weight': z.coerce
    .number()
    .nonnegative()
    .default(DEFAULT_SHRINKAGE.clusterPriorWeight),
  'min-support': positiveInt.default(DEFAULT_SHRINKAGE.minSupport),
  threads: positiveInt.max(256).optional(),
});

export type EvaluationArgs = z.infer<typeof evaluationArgsSchema>;

/** What the model builder and the ranking get for one k. */
export function evaluationSettingsOf(args: EvaluationArgs, k: number): EvaluationSettings {
  const model: ModelSettings = {
    k,
    minClusterSize: args['min-cluster-size'],
    values: args.values,
    normalize: !args['no-normalize'],
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
