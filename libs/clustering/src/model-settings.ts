import { z } from 'zod';
import { DEFAULT_FAVOURITE_MIN_RATING, MAX_RATING, MIN_RATING } from '@app/events';
import { MATRIX_VALUES } from './rating-matrix';

/**
 * Everything that decides what a clustering model is, recorded with each model so that whoever
 * reads it (placing a user, counting favourites, ranking) follows the model's own rules.
 */
export const modelSettingsSchema = z.object({
  /** Clusters k-means looks for. */
  k: z.number().int().min(1),
  /** Users of smaller clusters move to the cluster whose favourites cover theirs best. */
  minClusterSize: z.number().int().min(1),
  values: z.enum(MATRIX_VALUES),
  /** Each user's row scaled to unit length before clustering (see normalizeRows). */
  normalize: z.boolean(),
  /** A rating from which a movie counts as the user's favourite. */
  favouriteMinRating: z.number().min(MIN_RATING).max(MAX_RATING),
  seed: z.number().int().nonnegative(),
  /** k-means runs from different seeds; the lowest inertia wins. */
  restarts: z.number().int().min(1),
});

export type ModelSettings = z.infer<typeof modelSettingsSchema> & {
  /** Worker threads of k-means: how the model is computed, not what it is; not recorded. */
  threads?: number;
};

/**
 * What the recluster worker runs unless configured otherwise; evaluations start from it too. k
 * and the values are what validation ratings chose for the cluster lists (docs/evaluation.md):
 * k 5 on every MovieLens 100k fold and on ml-latest-small, binary values (which movies a user
 * rated, not how) on four of the five folds, favourites by a hair on the others.
 */
export const DEFAULT_MODEL_SETTINGS: Readonly<ModelSettings> = {
  k: 5,
  minClusterSize: 5,
  values: 'binary',
  normalize: true,
  favouriteMinRating: DEFAULT_FAVOURITE_MIN_RATING,
  seed: 1,
  restarts: 3,
};
