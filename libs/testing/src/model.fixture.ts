import { randomUUID } from 'node:crypto';
import { DEFAULT_MODEL_SETTINGS } from '@app/clustering';
import { type ReclusterSettings } from '@app/recluster';
import {
  type ModelDescription,
  type ModelStore,
  type ReclusterSchedule,
  type UserEventStore,
} from '@app/store';

export interface TestModel {
  clusters: number;
  assignments: ReadonlyMap<number, number>;
  movieIds?: Float64Array;
  centroids?: Float32Array;
  settings?: Partial<ModelDescription['settings']>;
}

/** A description of a model with these clusters and sizes, for tests. */
export function aModelDescription(
  version: number,
  clusters: number,
  overrides: Partial<ModelDescription> = {},
): ModelDescription {
  return {
    version,
    clusters,
    settings: { ...DEFAULT_MODEL_SETTINGS, k: clusters },
    builtAt: new Date().toISOString(),
    users: 0,
    ratings: 0,
    inertia: 0,
    iterations: 0,
    sizes: new Array<number>(clusters).fill(0),
    sizesBeforeMerge: new Array<number>(clusters).fill(0),
    movedByMerge: 0,
    buildSeconds: 0,
    ...overrides,
  };
}

/**
 * Publishes a model through the real path (claim, save, next, place, publish); returns its
 * version.
 */
export async function publishModel(
  stores: { schedule: ReclusterSchedule; models: ModelStore; users: UserEventStore },
  model: TestModel,
): Promise<number> {
  const outcome = await stores.schedule.claim(randomUUID(), { kind: 'now' }, 30_000);
  if ('skipped' in outcome) throw new Error(`could not claim a run: ${outcome.skipped}`);
  const claim = outcome.claimed;
  try {
    const movieIds = model.movieIds ?? Float64Array.of(1);
    const sizes = new Array<number>(model.clusters).fill(0);
    for (const cluster of model.assignments.values()) sizes[cluster] = (sizes[cluster] ?? 0) + 1;
    const description = aModelDescription(claim.version, model.clusters, {
      users: model.assignments.size,
      sizes,
      sizesBeforeMerge: sizes,
    });
    description.settings = { ...description.settings, ...model.settings };
    await stores.models.save({
      description,
      movieIds,
      centroids: model.centroids ?? new Float32Array(model.clusters * movieIds.length),
    });
    await stores.models.setNext(claim);
    await stores.users.placeUsers(
      {
        version: claim.version,
        clusters: model.clusters,
        favouriteMinRating: description.settings.favouriteMinRating,
      },
      model.assignments,
      { provisional: false },
    );
    await stores.models.publish(claim, 10);
    return claim.version;
  } finally {
    await stores.schedule.release(claim);
  }
}

/** Recluster settings for small test data: one start on one thread, a short lock. */
export const aReclusterSettings = (
  overrides: Partial<ReclusterSettings> = {},
): ReclusterSettings => ({
  ...DEFAULT_MODEL_SETTINGS,
  k: 3,
  minClusterSize: 2,
  restarts: 1,
  threads: 1,
  demographicK: 2,
  keepVersions: 3,
  lockTtlMs: 10_000,
  ...overrides,
});
