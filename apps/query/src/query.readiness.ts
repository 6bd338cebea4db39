import { type ReadinessCheck } from '@app/observability';
import { type QuerySnapshotCache } from '@app/query';
import { type ModelStore, type RedisConnection } from '@app/store';

/**
 * Query is ready when Redis answers and it can answer from a snapshot: the popular lists, and
 * the current model once one is published.
 */
export const queryReadinessChecks = (
  connection: RedisConnection,
  snapshots: QuerySnapshotCache,
  models: ModelStore,
): ReadinessCheck[] => [
  { name: 'redis', check: () => connection.ping() },
  {
    name: 'model',
    check: async () => {
      const snapshot = snapshots.current;
      if (snapshot === undefined) throw new Error('nothing has been read from Redis yet');
      const current = await models.currentVersion();
      if (current === undefined || snapshot.model?.version === current) return;
      throw new Error(`model ${current} is not loaded yet`);
    },
  },
];
