import { randomUUID } from 'node:crypto';
import { type ReclusterSettings } from '@app/recluster';
import { type RatingsRepository } from '@app/store';

export interface TestModel {
  clusters: number;
  assignments: ReadonlyMap<number, number>;
  movieIds?: Int32Array;
  centroids?: Float32Array;
}

/** Publishes a model through the real path (lock, save, next, assign, switch); returns its version. */
export async function publishModel(
  repository: RatingsRepository,
  model: TestModel,
): Promise<number> {
  const token = randomUUID();
  if (!(await repository.acquireReclusterLock(token, 30_000)))
    throw new Error('recluster lock is taken');
  try {
    const version = await repository.newModelVersion();
    const movieIds = model.movieIds ?? Int32Array.of(1);
    await repository.saveModel({
      version,
      clusters: model.clusters,
      movieIds,
      centroids: model.centroids ?? new Float32Array(model.clusters * movieIds.length),
      info: { builtAt: new Date().toISOString() },
    });
    await repository.setNextModel(version);
    await repository.assignUsers(version, model.clusters, model.assignments);
    await repository.switchModel(token, version, 10);
    return version;
  } finally {
    await repository.releaseReclusterLock(token);
  }
}

/** Recluster settings for small test data: one start on one thread, a short lock. */
export const aReclusterSettings = (
  overrides: Partial<ReclusterSettings> = {},
): ReclusterSettings => ({
  k: 3,
  minClusterSize: 2,
  values: 'centred',
  normalize: true,
  seed: 1,
  restarts: 1,
  threads: 1,
  demographicK: 2,
  keepVersions: 3,
  lockTtlMs: 10_000,
  ...overrides,
});
