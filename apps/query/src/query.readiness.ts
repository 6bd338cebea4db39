import { type ReadinessCheck } from '@app/observability';
import { type ModelSnapshotCache } from '@app/query';
import { type RatingsRepository } from '@app/store';

/**
 * Query is ready when Redis answers and it can answer from the current model, or when no model
 * has been published yet (it then answers from popularity, as it will until the first one).
 */
export const queryReadinessChecks = (
  repository: RatingsRepository,
  snapshots: ModelSnapshotCache,
): ReadinessCheck[] => [
  { name: 'redis', check: () => repository.ping() },
  {
    name: 'model',
    check: async () => {
      if (snapshots.current !== undefined) return;
      if ((await repository.currentModelVersion()) === undefined) return;
      throw new Error('the current model is not loaded yet');
    },
  },
];
