import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { type ModelSettings } from '@app/clustering';
import { isFavouriteRating } from '@app/events';
import { placementModelOf, placeUser } from '@app/recommend';
import {
  type ClaimMode,
  type ModelDescription,
  type ModelStore,
  type ProfileStore,
  type RatingsSnapshot,
  type RatingsSnapshotReader,
  type ReclusterClaim,
  type ReclusterSchedule,
  type StoredModel,
  type UserEventStore,
} from '@app/store';
import { buildDemographicModel } from './demographic-model.builder';
import { buildModel } from './model-builder';

export interface ReclusterSettings extends ModelSettings {
  /** Demographic clusters for cold-start users (fewer when there are few profiles). */
  demographicK: number;
  /** Published versions kept for rollback. */
  keepVersions: number;
  /** The lock expires this long after its last renewal, so a crashed run frees it. */
  lockTtlMs: number;
}

/** The stores a recluster run reads and writes. */
export interface ReclusterStores {
  schedule: ReclusterSchedule;
  models: ModelStore;
  users: UserEventStore;
  profiles: ProfileStore;
  ratings: RatingsSnapshotReader;
}

export type ReclusterOutcome =
  | {
      status: 'published';
      version: number;
      /** Why the run happened (see ReclusterClaim). */
      reason: string;
      seconds: number;
      model: ModelDescription;
    }
  | { status: 'skipped'; reason: string };

/** How long a rollback pins its model; undefined: until scheduling is resumed. */
export interface RollbackOptions {
  forMs?: number;
}

/** Favourite movies kept per demographic cluster. */
const DEMOGRAPHIC_TOP_MOVIES = 100;

/**
 * One recluster run: claims it (see ReclusterSchedule), snapshots the ratings, builds a model,
 * and publishes it as a new version with no downtime and no lost event:
 *
 * 1. the new version's centres are stored and it becomes "next": from then on ingestion keeps its
 *    aggregates too, and places users it sees without a cluster in it;
 * 2. every user is put in their cluster together with their current ratings, atomically per user
 *    (place-users.script), so events before and after that step are each counted once;
 * 3. users that appeared after the snapshot are placed the same way, by the model's placement
 *    rule;
 * 4. the current pointer is switched atomically, only if the run's claim is still the newest and
 *    holds the lock; versions beyond the kept history, and any version a failed run left
 *    half-built, are deleted.
 *
 * Every write that changes which model is in use is fenced by the claim: a run frozen past its
 * lock's expiry can never publish, and deletes what it built.
 */
export class Reclusterer {
  private readonly logger = new Logger(Reclusterer.name);

  constructor(
    private readonly stores: ReclusterStores,
    private readonly settings: ReclusterSettings,
  ) {}

  /** A run: scheduled (`due`), or asked for (`now`, the default). */
  async run(mode: ClaimMode = { kind: 'now' }): Promise<ReclusterOutcome> {
    return this.claimed(mode, async (claim) => {
      const started = performance.now();
      this.logger.log(`recluster run ${claim.version} started (${claim.reason})`);
      const snapshot = await this.stores.ratings.read();
      if (snapshot.userIds.length === 0) return { status: 'skipped', reason: 'no ratings yet' };
      const model = await buildModel(snapshot, this.settings);
      const profiles = await this.stores.profiles.readAll();
      const demographics = buildDemographicModel(
        profiles,
        favouritesIn(snapshot, profiles, this.settings.favouriteMinRating),
        (userId) => model.assignments.get(userId),
        {
          k: this.settings.demographicK,
          minClusterSize: this.settings.minClusterSize,
          seed: this.settings.seed,
          topMovies: DEMOGRAPHIC_TOP_MOVIES,
        },
      );
      const {
        threads: _threads,
        demographicK: _k,
        keepVersions: _keep,
        lockTtlMs: _ttl,
        ...settings
      } = this.settings;
      const description: ModelDescription = {
        version: claim.version,
        clusters: model.clusters,
        settings,
        builtAt: new Date().toISOString(),
        users: model.users,
        ratings: model.ratings,
        inertia: model.inertia,
        iterations: model.iterations,
        sizes: model.sizesAfter,
        sizesBeforeMerge: model.sizesBefore,
        movedByMerge: model.movedByMerge,
        buildSeconds: Math.round(performance.now() - started) / 1000,
      };
      await this.publish(
        claim,
        {
          description,
          centroids: model.centroids,
          movieIds: model.movieIds,
          ...(demographics === undefined ? {} : { demographics }),
        },
        model.assignments,
      );
      const seconds = (performance.now() - started) / 1000;
      this.logger.log(
        `published model ${claim.version}: ${model.clusters} clusters of ${model.users} users in ${seconds.toFixed(1)} s`,
      );
      return {
        status: 'published',
        version: claim.version,
        reason: claim.reason,
        seconds,
        model: description,
      };
    });
  }

  /**
   * Goes back to the model before the current one: its clusters and centres are republished as a
   * new version (same path as a recluster), so the aggregates include every event since. The
   * model is pinned: scheduled runs leave it in place for `forMs`, or until `resume`.
   */
  async rollback({ forMs }: RollbackOptions = {}): Promise<ReclusterOutcome> {
    return this.claimed({ kind: 'rollback' }, async (claim) => {
      const started = performance.now();
      const history = await this.stores.models.history();
      const current = await this.stores.models.currentVersion();
      // A rollback republishes an older model: going back again goes back further.
      const origin = (entry: (typeof history)[number]) =>
        entry.description?.rollbackOf ?? entry.version;
      const index = history.findIndex((entry) => entry.version === current);
      const now = history[index];
      const target =
        now === undefined
          ? undefined
          : history
              .slice(0, index)
              .reverse()
              .find((entry) => origin(entry) !== origin(now));
      if (target === undefined) return { status: 'skipped', reason: 'no earlier model is kept' };
      const stored = await this.stores.models.load(target.version);
      if (stored === undefined) {
        return { status: 'skipped', reason: `model ${target.version} is incomplete` };
      }
      const userIds = await this.stores.users.userIds();
      const assignments = await this.stores.users.clustersOf(userIds, target.version);
      const sizes = new Array<number>(stored.description.clusters).fill(0);
      for (const cluster of assignments.values()) sizes[cluster] = (sizes[cluster] ?? 0) + 1;
      const description: ModelDescription = {
        ...stored.description,
        version: claim.version,
        builtAt: new Date().toISOString(),
        users: assignments.size,
        sizes,
        buildSeconds: Math.round(performance.now() - started) / 1000,
        rollbackOf: origin(target),
      };
      await this.publish(claim, { ...stored, description }, assignments, {
        ...(forMs === undefined ? {} : { forMs }),
        reason: `rollback to model ${origin(target)}`,
      });
      return {
        status: 'published',
        version: claim.version,
        reason: claim.reason,
        seconds: (performance.now() - started) / 1000,
        model: description,
      };
    });
  }

  private async publish(
    claim: ReclusterClaim,
    model: StoredModel,
    assignments: ReadonlyMap<number, number>,
    pin?: { forMs?: number; reason: string },
  ): Promise<void> {
    const { models, users } = this.stores;
    const abandoned = await models.nextVersion();
    const kept = (await models.history()).map((entry) => entry.version);
    await models.save(model);
    await models.setNext(claim);
    const active = {
      version: claim.version,
      clusters: model.description.clusters,
      favouriteMinRating: model.description.settings.favouriteMinRating,
    };
    await users.placeUsers(active, assignments, { provisional: false, keep: kept });
    await this.placeLateUsers(active, model, assignments);
    const dropped = await models.publish(claim, this.settings.keepVersions, pin);
    // A version a failed run left as "next" is older than this one, so ingestion ignores it now.
    if (abandoned !== undefined && abandoned !== claim.version) dropped.push(abandoned);
    for (const old of dropped) await models.delete(old);
  }

  /**
   * Users that appeared after the snapshot, and that ingestion has not placed in the new version
   * already, are placed by the model's placement rule, provisionally (a recluster clusters them).
   */
  private async placeLateUsers(
    active: Parameters<UserEventStore['placeUsers']>[0],
    model: StoredModel,
    assignments: ReadonlyMap<number, number>,
  ): Promise<void> {
    const { users } = this.stores;
    const late = (await users.userIds()).filter((userId) => !assignments.has(userId));
    const placed = await users.clustersOf(late, active.version);
    const missing = late.filter((userId) => !placed.has(userId));
    if (missing.length === 0) return;
    const placement = placementModelOf(model);
    const stored = await users.readUsers(missing);
    const clusters = new Map(
      missing.map((userId, i) => {
        const user = stored[i];
        const ratings = [...(user?.ratings ?? [])].map(([m, { rating }]) => [m, rating] as const);
        return [userId, placeUser(placement, ratings, user?.profile).cluster];
      }),
    );
    await users.placeUsers(active, clusters, { provisional: true });
  }

  /**
   * Runs `work` under a claim: the lock is renewed while it runs and released after. A run that
   * fails before publishing deletes the version it began, so nothing half-built stays.
   */
  private async claimed(
    mode: ClaimMode,
    work: (claim: ReclusterClaim) => Promise<ReclusterOutcome>,
  ): Promise<ReclusterOutcome> {
    const { schedule } = this.stores;
    const outcome = await schedule.claim(randomUUID(), mode, this.settings.lockTtlMs);
    if ('skipped' in outcome) return { status: 'skipped', reason: outcome.skipped };
    const claim = outcome.claimed;
    const renew = setInterval(
      () => {
        schedule
          .renew(claim, this.settings.lockTtlMs)
          .then((held) => {
            if (!held) this.logger.warn(`recluster run ${claim.version} lost its lock`);
          })
          .catch((error: unknown) => {
            this.logger.warn(`could not renew the recluster lock: ${(error as Error).message}`);
          });
      },
      Math.max(100, this.settings.lockTtlMs / 3),
    );
    try {
      return await work(claim);
    } catch (error) {
      await this.abandon(claim).catch((cleanup: unknown) => {
        this.logger.warn(
          `could not delete the unpublished model ${claim.version}: ${(cleanup as Error).message}`,
        );
      });
      throw error;
    } finally {
      clearInterval(renew);
      await schedule.release(claim);
    }
  }

  /**
   * Deletes what a failed run stored, unless it is in use: a version left as "next" is still
   * maintained by ingestion, and the next run deletes it once it replaced it.
   */
  private async abandon(claim: ReclusterClaim): Promise<void> {
    const { models } = this.stores;
    const [current, next] = await Promise.all([models.currentVersion(), models.nextVersion()]);
    if (current !== claim.version && next !== claim.version) await models.delete(claim.version);
  }
}

/**
 * The favourites in a snapshot of the users with a profile, the only ones the demographic
 * clusters need: not a set per user of the whole data.
 */
function favouritesIn(
  snapshot: RatingsSnapshot,
  profiles: ReadonlyMap<number, unknown>,
  favouriteMinRating: number,
): (userId: number) => Iterable<number> {
  const favourites = new Map<number, Set<number>>();
  const add = (userId: number, movieId: number): void => {
    if (!profiles.has(userId)) return;
    let set = favourites.get(userId);
    if (set === undefined) favourites.set(userId, (set = new Set()));
    set.add(movieId);
  };
  snapshot.userIds.forEach((userId, i) => {
    if (isFavouriteRating(snapshot.ratings[i] ?? 0, favouriteMinRating)) {
      add(userId, snapshot.movieIds[i] ?? 0);
    }
  });
  snapshot.favouriteUserIds.forEach((userId, i) => {
    add(userId, snapshot.favouriteMovieIds[i] ?? 0);
  });
  return (userId) => favourites.get(userId) ?? [];
}
