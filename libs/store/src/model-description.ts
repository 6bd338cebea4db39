import { z } from 'zod';
import { modelSettingsSchema } from '@app/clustering';
import { alsSettingsSchema } from '@app/factorization';
import { itemKnnSettingsSchema } from '@app/recommend';

const count = z.number().int().nonnegative();

/**
 * A published model's description, stored with it and parsed whenever it is read: what built it
 * (its settings, which every reader follows) and what it found. Written by the recluster worker.
 */
export const modelDescriptionSchema = z
  .object({
    version: z.number().int().positive(),
    clusters: z.number().int().positive(),
    settings: modelSettingsSchema,
    builtAt: z.iso.datetime(),
    users: count,
    ratings: count,
    /** k-means inertia over the clustered rows, before the merge. */
    inertia: z.number().nonnegative(),
    iterations: count,
    /** Users per cluster, after the merge. */
    sizes: z.array(count),
    sizesBeforeMerge: z.array(count),
    movedByMerge: count,
    /** From claiming the run to storing the model, in seconds. */
    buildSeconds: z.number().nonnegative(),
    /**
     * The ALS factorization trained beside the clusters from the same read, when enabled: its
     * settings, the movies it has factors for (stored with the version) and its training time.
     */
    als: z
      .object({
        settings: alsSettingsSchema,
        movies: count,
        trainSeconds: z.number().nonnegative(),
      })
      .optional(),
    /**
     * The item neighbourhoods built beside the clusters from the same favourites, when enabled:
     * their settings, the movies they cover and the neighbours kept (stored with the version),
     * and the time they took.
     */
    itemKnn: z
      .object({
        settings: itemKnnSettingsSchema,
        movies: count,
        neighbours: count,
        buildSeconds: z.number().nonnegative(),
      })
      .optional(),
    /** The version whose clusters this one republished, for a rollback. */
    rollbackOf: z.number().int().positive().optional(),
    /** The candidate whose clusters this one republished as the current model, for a promotion. */
    promotedFrom: z.number().int().positive().optional(),
    /**
     * The version whose clusters this one republished unchanged, to retire a discarded candidate
     * newer than it (a rollback from here goes back past both).
     */
    republishOf: z.number().int().positive().optional(),
  })
  .refine((d) => d.sizes.length === d.clusters, {
    message: 'expected one size per cluster',
    path: ['sizes'],
  });

export type ModelDescription = z.infer<typeof modelDescriptionSchema>;

/** A stored model record that does not parse: written by another version, or damaged. */
export class ModelRecordError extends Error {
  readonly code = 'MODEL_RECORD_INVALID';

  constructor(
    readonly version: number,
    detail: string,
  ) {
    super(`the stored description of model ${version} is invalid: ${detail}`);
    this.name = 'ModelRecordError';
  }
}
