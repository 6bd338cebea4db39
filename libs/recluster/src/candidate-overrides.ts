import { type z } from 'zod';
import { modelSettingsSchema } from '@app/clustering';

const { k, minClusterSize, restarts } = modelSettingsSchema.shape;

/**
 * The model settings a candidate is built with instead of the worker's own (RECLUSTER_K,
 * RECLUSTER_VALUES, RECLUSTER_MIN_CLUSTER_SIZE, ...): any of them, under the names a model's
 * description records them by, within the bounds the worker's environment allows. An unknown
 * name is refused.
 */
export const candidateOverridesSchema = modelSettingsSchema
  .extend({
    k: k.max(10_000),
    minClusterSize: minClusterSize.max(10_000_000),
    restarts: restarts.max(100),
  })
  .partial()
  .strict();

export type CandidateOverrides = z.infer<typeof candidateOverridesSchema>;
