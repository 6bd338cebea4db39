import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { CentroidModel } from '@app/clustering';
import { FAVOURITE_MIN_RATING } from '@app/events';
import { type DemographicModel } from '@app/recommend';
import { type RatingsRepository, type RatingsSnapshot } from '@app/store';
import { buildDemographicModel } from './demographic-model.builder';
import { type BuiltModel, buildModel, type ModelSettings } from './model-builder';

export interface ReclusterSettings extends ModelSettings {
  /** Demographic clusters for cold-start users (fewer when there are few profiles). */
  demographicK: number;
  /** Published versions kept for rollback. */
  keepVersions: number;
  /** The lock expires this long after its last renewal, so a crashed run frees it. */
  lockTtlMs: number;
}

export type ReclusterOutcome =
  | {
      status: 'published';
      version: number;
      fencingToken: number;
      seconds: number;
      model: ModelSummary;
    }
  | { status: 'skipped'; reason: string };

export interface ModelSummary {
  clusters: number;
  users: number;
  ratings: number;
  inertia: number;
  iterations: number;
  sizesBefore: number[];
  sizesAfter: number[];
  movedByMerge: number;
}

/**
 * One recluster run: takes the lock, snapshots the ratings, builds a model, and publishes it as a
 * new version with no downtime and no lost event:
 *
 * 1. the new version's centres are stored and it becomes "next": from then on ingestion keeps its
 *    aggregates too, and places users it sees without a cluster in it by nearest centre;
 * 2. every user is put in their cluster together with their current ratings, atomically per user
 *    (assign-users.script), so events before and after that step are each counted once;
 * 3. users that appeared after the snapshot are placed by nearest centre the same way;
 * 4. the current pointer is switched atomically, only if the lock is still ours; versions beyond
 *    the kept history, and any version a crashed run left half-built, are deleted.
 */
export class Reclusterer {
  private readonly logger = new Logger(Reclusterer.name);

  constructor(
    private readonly repository: RatingsRepository,
    private readonly settings: ReclusterSettings,
  ) {}

  async run(): Promise<ReclusterOutcome> {
    return this.underLock(async (token, fencingToken) => {
      const started = performance.now();
      await this.repository.eventsSinceRecluster({ reset: true });
      const snapshot = await this.repository.readAllRatings();
      if (snapshot.userIds.length === 0) return { status: 'skipped', reason: 'no ratings yet' };
      const model = await buildModel(snapshot, this.settings);
      const profiles = await this.repository.readProfiles();
      const demographics = buildDemographicModel(profiles, favouritesIn(snapshot, profiles), {
        k: this.settings.demographicK,
        minClusterSize: this.settings.minClusterSize,
        seed: this.settings.seed,
        topMovies: DEMOGRAPHIC_TOP_MOVIES,
      });
      const version = await this.publish(
        token,
        { ...model, demographics },
        {
          fencingToken,
          builtAt: new Date().toISOString(),
          k: this.settings.k,
          minClusterSize: this.settings.minClusterSize,
          values: this.settings.values,
          normalize: String(this.settings.normalize),
          users: model.users,
          ratings: model.ratings,
          inertia: model.inertia,
          iterations: model.iterations,
          sizes: JSON.stringify(model.sizesAfter),
          sizesBeforeMerge: JSON.stringify(model.sizesBefore),
          buildSeconds: Math.round(performance.now() - started) / 1000,
        },
      );
      const seconds = (performance.now() - started) / 1000;
      this.logger.log(
        `published model ${version}: ${model.clusters} clusters of ${model.users} users in ${seconds.toFixed(1)} s`,
      );
      return { status: 'published', version, fencingToken, seconds, model: summarise(model) };
    });
  }

  /**
   * Goes back to the previous published model: its clusters and centres are republished as a new
   * version (same path as a recluster), so the aggregates include every event since.
   */
  async rollback(): Promise<ReclusterOutcome> {
    return this.underLock(async (token, fencingToken) => {
      const started = performance.now();
      const history = await this.repository.modelHistory();
      const current = await this.repository.currentModelVersion();
      const index = history.findIndex((entry) => entry.version === current);
      const previous = index > 0 ? history[index - 1] : undefined;
      if (previous === undefined) return { status: 'skipped', reason: 'no earlier model is kept' };
      const stored = await this.repository.loadModel(previous.version);
      if (stored === undefined)
        return { status: 'skipped', reason: `model ${previous.version} is incomplete` };
      const userIds = await this.repository.getUserIds();
      const assignments = await this.repository.clustersOf(userIds, previous.version);
      const version = await this.publish(
        token,
        {
          clusters: stored.clusters,
          centroids: stored.centroids,
          movieIds: stored.movieIds,
          assignments,
          demographics: stored.demographics,
        },
        {
          ...previous.info,
          fencingToken,
          builtAt: new Date().toISOString(),
          rollbackOf: previous.version,
        },
      );
      return {
        status: 'published',
        version,
        fencingToken,
        seconds: (performance.now() - started) / 1000,
        model: {
          clusters: stored.clusters,
          users: assignments.size,
          ratings: Number(previous.info.ratings ?? 0),
          inertia: Number(previous.info.inertia ?? 0),
          iterations: Number(previous.info.iterations ?? 0),
          sizesBefore: [],
          sizesAfter: [],
          movedByMerge: 0,
        },
      };
    });
  }

  private async publish(
    token: string,
    model: Pick<BuiltModel, 'clusters' | 'centroids' | 'movieIds' | 'assignments'> & {
      demographics: DemographicModel | undefined;
    },
    info: Record<string, string | number>,
  ): Promise<number> {
    const abandoned = await this.repository.nextModelVersion();
    const version = await this.repository.newModelVersion();
    await this.repository.saveModel({
      version,
      clusters: model.clusters,
      centroids: model.centroids,
      movieIds: model.movieIds,
      info,
      ...(model.demographics === undefined ? {} : { demographics: model.demographics }),
    });
    await this.repository.setNextModel(version);
    await this.repository.assignUsers(version, model.clusters, model.assignments);
    await this.placeLateUsers(version, model, info);
    const dropped = await this.repository.switchModel(token, version, this.settings.keepVersions);
    // A version a crashed run left as "next" is older than this one, so ingestion ignores it now.
    if (abandoned !== undefined) dropped.push(abandoned);
    for (const old of dropped) await this.repository.deleteModel(old);
    return version;
  }

  /**
   * Users that appeared after the snapshot, and that ingestion has not placed in the next
   * version already, join their nearest cluster.
   */
  private async placeLateUsers(
    version: number,
    model: Pick<BuiltModel, 'clusters' | 'centroids' | 'movieIds' | 'assignments'>,
    info: Record<string, string | number>,
  ): Promise<void> {
    const late = (await this.repository.getUserIds()).filter(
      (userId) => !model.assignments.has(userId),
    );
    const placed = await this.repository.clustersOf(late, version);
    const missing = late.filter((userId) => !placed.has(userId));
    if (missing.length === 0) return;
    const centroids = CentroidModel.fromStored({ ...model, info });
    const ratings = await Promise.all(
      missing.map((userId) => this.repository.getUserRatings(userId)),
    );
    const placements = new Map(
      missing.map((userId, i) => [
        userId,
        centroids.nearest([...(ratings[i] ?? [])].map(([movie, { rating }]) => [movie, rating])),
      ]),
    );
    await this.repository.assignUsers(version, model.clusters, placements);
  }

  private async underLock(
    work: (token: string, fencingToken: number) => Promise<ReclusterOutcome>,
  ): Promise<ReclusterOutcome> {
    const token = randomUUID();
    if (!(await this.repository.acquireReclusterLock(token, this.settings.lockTtlMs))) {
      return { status: 'skipped', reason: 'another recluster holds the lock' };
    }
    const renew = setInterval(
      () => {
        this.repository
          .acquireReclusterLock(token, this.settings.lockTtlMs)
          .catch((error: unknown) => {
            this.logger.warn(`could not renew the recluster lock: ${(error as Error).message}`);
          });
      },
      Math.max(100, this.settings.lockTtlMs / 3),
    );
    try {
      return await work(token, await this.repository.nextFencingToken());
    } finally {
      clearInterval(renew);
      await this.repository.releaseReclusterLock(token);
    }
  }
}

/** Favourite movies kept per demographic cluster. */
const DEMOGRAPHIC_TOP_MOVIES = 100;

/**
 * The favourites in a snapshot (ratings of 4 or more, and explicit favourites) of the users with
 * a profile, the only ones the demographic clusters need: not a set per user of the whole data.
 */
function favouritesIn(
  snapshot: RatingsSnapshot,
  profiles: ReadonlyMap<number, unknown>,
): (userId: number) => Iterable<number> {
  const favourites = new Map<number, Set<number>>();
  const add = (userId: number, movieId: number): void => {
    if (!profiles.has(userId)) return;
    let set = favourites.get(userId);
    if (set === undefined) favourites.set(userId, (set = new Set()));
    set.add(movieId);
  };
  snapshot.userIds.forEach((userId, i) => {
    if ((snapshot.ratings[i] ?? 0) >= FAVOURITE_MIN_RATING) add(userId, snapshot.movieIds[i] ?? 0);
  });
  snapshot.favouriteUserIds.forEach((userId, i) => {
    add(userId, snapshot.favouriteMovieIds[i] ?? 0);
  });
  return (userId) => favourites.get(userId) ?? [];
}

const summarise = (model: BuiltModel): ModelSummary => ({
  clusters: model.clusters,
  users: model.users,
  ratings: model.ratings,
  inertia: model.inertia,
  iterations: model.iterations,
  sizesBefore: model.sizesBefore,
  sizesAfter: model.sizesAfter,
  movedByMerge: model.movedByMerge,
});
