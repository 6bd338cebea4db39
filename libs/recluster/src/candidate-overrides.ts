import { type z } from 'zod';
import { modelSettingsSchema } from '@app/clustering';

/**
 * The model settings a candidate is built with instead of the worker's own (RECLUSTER_K,
 * RECLUSTER_VALUES, RECLUSTER_MIN_CLUSTER_SIZE, ...): any of them, under the same names and
 * rules as the settings a model's description records. An unknown name is refused.
 */
export const candidateOverridesSchema = modelSettingsSchema.partial().strict();

export type CandidateOverrides = z.infer<typeof candidateOverridesSchema>;
