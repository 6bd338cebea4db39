import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { type CsrPattern, favouritesPattern, type ModelSettings } from '@app/clustering';
import { type AlsSettings } from '@app/factorization';
import { clusterTotals, type ItemKnnSettings, placementModelOf, placeUser } from '@app/recommend';
import {
  type ActiveModel,
  type ClaimMode,
  type ClaimOutcome,
  ClusterAggregatesStore,
  type ModelDescription,
  ModelStore,
  type PinRequest,
  ProfileStore,
  type RatingsSnapshot,
  RatingsSnapshotReader,
  type RedisConnection,
  type ReclusterClaim,
  ReclusterSchedule,
  snapshotContribution,
  type StoredModel,
  UserEventStore,
} from '@app/store';
import { trainMovieFactors } from './als-factors.builder';
import { type CandidateOverrides } from './candidate-overrides';
import { buildDemographicModel } from './demographic-model.builder';
import { buildItemNeighbours } from './item-neighbours.builder';
import { buildModel } from './model-builder';

export interface ReclusterSettings extends ModelSettings {
  /** Demographic clusters for cold-start users (fewer when there are few profiles). */
  demographicK: number;
  /** Published versions kept for rollback. */
  keepVersions: number;
  /** The lock expires this long after its last renewal, so a crashed run frees it. */
  lockTtlMs: number;
  /**
   * When given, an ALS factorization is trained beside the clusters from the same read, and its
   * movie factors published with the version (the query service folds users in against them).
   */
  als?: AlsSettings;
  /**
   * When given, item neighbourhoods are built beside the clusters from the same favourites, and
   * published with the version (the query service's `rank=similar`).
   */
  itemKnn?: ItemKnnSettings;
}

/** The stores a recluster run reads and writes. */
export interface ReclusterStores {
  schedule: ReclusterSchedule;
  models: ModelStore;
  users: UserEventStore;
  profiles: ProfileStore;
  ratings: RatingsSnapshotReader;
  aggregates: ClusterAggregatesStore;
}

/** The stores of a run, all on one connection. */
export function reclusterStoresOn(connection: RedisConnection): ReclusterStores {
  return {
    schedule: new ReclusterSchedule(connection),
    models: new ModelStore(connection),
    users: new UserEventStore(connection),
    profiles: new ProfileStore(connection),
    ratings: new RatingsSnapshotReader(connection),
    aggregates: new ClusterAggregatesStore(connection),
  };
}

/** Where a published run's time went, in seconds. */
export interface RunSeconds {
  /** Reading every rating from Redis into the matrix. */
  read: number;
  /** The matrix values (centred, unit rows) and the favourites. */
  matrix: number;
  kmeans: number;
  /** The tiny-cluster merge and the centres. */
  merge: number;
  /** ALS training, when enabled. */
  als?: number;
  /** The item neighbourhoods, when enabled. */
  itemKnn?: number;
  /** Aggregates, joins and the switch. */
  publish: number;
  /** From the read to the published model. */
  total: number;
}

export type ReclusterOutcome =
  | {
      status: 'published';
      version: number;
      /** Why the run happened (see ReclusterClaim). */
      reason: string;
      seconds: number;
      phases?: RunSeconds;
      model: ModelDescription;
    }
  | Skipped;

/** Nothing was done, and why. */
export interface Skipped {
  status: 'skipped';
  reason: string;
}

/** Where a run publishes its model: as the one in use (a rollback pins it), or as the candidate. */
type PublishTarget =
  | {
      as: 'current';
      pin?: PinRequest;
      /** The candidate cleared in the same step as the switch, and deleted after it. */
      replacesCandidate?: number;
    }
  | { as: 'candidate' };

/** How long a rollback pins its model; undefined: until scheduling is resumed. */
export interface RollbackOptions {
  forMs?: number;
}

/** Favourite movies kept per demographic cluster. */
const DEMOGRAPHIC_TOP_MOVIES = 100;

/** How often an operator's run asks again for the lock a run in progress holds. */
const CLAIM_RETRY_MS = 250;

/**
 * One recluster run: claims it (see ReclusterSchedule), reads every rating into a matrix, builds
 * a model, and publishes it as a new version with no downtime and no lost event:
 *
 * 1. the new version's description and centres (and, with ALS enabled, the movie factors trained
 *    from the same read) are stored, and its aggregates written from what the run read (typed
 *    arrays, in bulk), while nothing else writes them;
 * 2. it becomes "next": from then on ingestion keeps its aggregates too, for the users who have
 *    joined it, and places users it sees without a cluster in it;
 * 3. every user read joins their cluster (join-users.script): one unchanged since the read adds
 *    nothing (the aggregates hold their state); one who changed, or whom ingestion placed
 *    meanwhile, brings their whole current contribution, and the contribution read is then taken
 *    back out, once; so each event is counted once whether it landed before or after;
 * 4. users that appeared after the read are placed by the model's placement rule;
 * 5. the current pointer is switched atomically, only if the run's claim is still the newest and
 *    holds the lock; versions beyond the kept history, and any version a failed run left
 *    half-built, are deleted.
 *
 * Every write that changes which model is in use is fenced by the claim: a run frozen past its
 * lock's expiry can never publish, and deletes what it built.
 *
 * A candidate (an A/B test's other model) is built the same way, with other settings, and
 * published beside the current model rather than in its place: ingestion keeps its aggregates
 * too, and regular runs leave it as it was built (its users keep their fields of its version),
 * until it is promoted, discarded or replaced by another candidate.
 */
export class Reclusterer {
  private readonly logger = new Logger(Reclusterer.name);

  constructor(
    private readonly stores: ReclusterStores,
    private readonly settings: ReclusterSettings,
  ) {}

  /** A run: scheduled (`due`), or asked for (`now`, the default). */
  async run(mode: ClaimMode = { kind: 'now' }): Promise<ReclusterOutcome> {
    return this.claimed(mode, (claim) => this.build(claim, this.settings, { as: 'current' }));
  }

  /**
   * Builds a candidate with the worker's settings but for `overrides`, as a run would, and
   * publishes it beside the current model, replacing the candidate before it, if any. It needs
   * a current model. Neither the pin nor the schedule stops or moves it: the current model stays
   * as it is.
   */
  async candidate(overrides: CandidateOverrides = {}): Promise<ReclusterOutcome> {
    const settings: ReclusterSettings = { ...this.settings, ...overrides };
    return this.claimed({ kind: 'candidate' }, async (claim) => {
      // Discarding a candidate republishes the current model (see discard): there must be one.
      if ((await this.stores.models.currentVersion()) === undefined) {
        return { status: 'skipped', reason: 'no current model to compare a candidate with' };
      }
      return this.build(claim, settings, { as: 'candidate' });
    });
  }

  /**
   * Makes the candidate the current model: its clusters and centres are republished as a new
   * version (as a rollback does, the aggregates from a fresh read), and the candidate pointer
   * cleared in the same step as the switch; the model it replaces stays in the kept history, so
   * a rollback goes back to it. A new version rather than the candidate's own: users may hold
   * fields of versions newer than the candidate, which ingestion takes for a model published
   * after it looked. Like an operator's run, it waits for a run in progress and is refused
   * while a rollback pins the model.
   */
  async promote(): Promise<ReclusterOutcome> {
    return this.claimed({ kind: 'now' }, async (claim) => {
      const candidate = await this.stores.models.candidateVersion();
      if (candidate === undefined) return { status: 'skipped', reason: 'no candidate model' };
      return this.republish(
        claim,
        candidate,
        { promotedFrom: candidate },
        { as: 'current', replacesCandidate: candidate },
        `promoted candidate ${candidate}`,
      );
    });
  }

  /**
   * Drops the candidate: the current model's clusters and centres are republished unchanged as
   * a new version, and the candidate pointer cleared in the same step as the switch, then its
   * keys deleted. Not just the pointer: users hold fields of the candidate's version, which
   * ingestion would take, while that version is newer than every active one, for a model
   * published after it looked; older, they are ignored, and the next run's joins drop them.
   * Like promote, it waits for a run in progress and is refused while a rollback pins the model.
   */
  async discard(): Promise<ReclusterOutcome> {
    return this.claimed({ kind: 'now' }, async (claim) => {
      const { models } = this.stores;
      const [candidate, current] = await Promise.all([
        models.candidateVersion(),
        models.currentVersion(),
      ]);
      if (candidate === undefined || current === undefined) {
        return { status: 'skipped', reason: 'no candidate model' };
      }
      const described = await models.describe(current);
      return this.republish(
        claim,
        current,
        {
          ...(described?.rollbackOf === undefined ? {} : { rollbackOf: described.rollbackOf }),
          ...(described?.promotedFrom === undefined
            ? {}
            : { promotedFrom: described.promotedFrom }),
          republishOf: described?.republishOf ?? current,
        },
        { as: 'current', replacesCandidate: candidate },
        `discarded candidate ${candidate}`,
      );
    });
  }

  /** Reads every rating, builds a model with `runSettings` and publishes it to `target`. */
  private async build(
    claim: ReclusterClaim,
    runSettings: ReclusterSettings,
    target: PublishTarget,
  ): Promise<ReclusterOutcome> {
    const started = performance.now();
    this.logger.log(`recluster run ${claim.version} started (${claim.reason})`);
    const snapshot = await this.stores.ratings.read();
    const readSeconds = (performance.now() - started) / 1000;
    if (snapshot.userIds.length === 0) return { status: 'skipped', reason: 'no ratings yet' };
    const model = await buildModel(snapshot, runSettings);
    const factors =
      runSettings.als === undefined
        ? undefined
        : await trainMovieFactors(snapshot, runSettings.als, runSettings.threads);
    const neighbours =
      runSettings.itemKnn === undefined
        ? undefined
        : await buildItemNeighbours(snapshot, model.favourites, runSettings.itemKnn);
    const profiles = await this.stores.profiles.readAll();
    const demographics = buildDemographicModel(
      profiles,
      (userId) => favouriteMoviesOf(snapshot, model.favourites, userId),
      (userId) => model.assignments.get(userId),
      {
        k: runSettings.demographicK,
        minClusterSize: runSettings.minClusterSize,
        seed: runSettings.seed,
        topMovies: DEMOGRAPHIC_TOP_MOVIES,
      },
    );
    const {
      threads: _threads,
      demographicK: _k,
      keepVersions: _keep,
      lockTtlMs: _ttl,
      als: _als,
      itemKnn: _itemKnn,
      ...settings
    } = runSettings;
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
      ...(factors === undefined ? {} : { als: factors.description }),
      ...(neighbours === undefined ? {} : { itemKnn: neighbours.description }),
      buildSeconds: Math.round(performance.now() - started) / 1000,
    };
    const publishing = performance.now();
    await this.publish(
      claim,
      {
        description,
        centroids: model.centroids,
        movieIds: model.movieIds,
        ...(demographics === undefined ? {} : { demographics }),
        ...(factors === undefined ? {} : { als: factors.stored }),
        ...(neighbours === undefined ? {} : { itemNeighbours: neighbours.table }),
      },
      snapshot,
      model.rowClusters,
      model.favourites,
      target,
    );
    const done = performance.now();
    const seconds = (done - started) / 1000;
    this.logger.log(
      `published ${target.as === 'candidate' ? 'candidate ' : ''}model ${claim.version}: ` +
        `${model.clusters} clusters of ${model.users} users` +
        (factors === undefined
          ? ''
          : `, ALS factors of ${factors.description.movies} movies (${factors.description.trainSeconds} s)`) +
        ` in ${seconds.toFixed(1)} s`,
    );
    return {
      status: 'published',
      version: claim.version,
      reason: claim.reason,
      seconds,
      phases: {
        read: readSeconds,
        matrix: model.seconds.matrix,
        kmeans: model.seconds.kmeans,
        merge: model.seconds.merge,
        ...(factors === undefined ? {} : { als: factors.description.trainSeconds }),
        ...(neighbours === undefined ? {} : { itemKnn: neighbours.description.buildSeconds }),
        publish: (done - publishing) / 1000,
        total: seconds,
      },
      model: description,
    };
  }

  /**
   * Goes back to the model before the current one: its clusters and centres are republished as a
   * new version (same path as a recluster, the aggregates from a fresh read), so they include
   * every event since. The model is pinned: scheduled runs leave it in place for `forMs`, or
   * until `resume`.
   */
  async rollback({ forMs }: RollbackOptions = {}): Promise<ReclusterOutcome> {
    return this.claimed({ kind: 'rollback' }, async (claim) => {
      const history = await this.stores.models.history();
      const current = await this.stores.models.currentVersion();
      // A rollback republishes an older model: going back again goes back further.
      const origin = (entry: (typeof history)[number]) =>
        entry.description?.rollbackOf ?? entry.description?.republishOf ?? entry.version;
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
      return this.republish(
        claim,
        target.version,
        { rollbackOf: origin(target) },
        {
          as: 'current',
          pin: {
            ...(forMs === undefined ? {} : { forMs }),
            reason: `rollback to model ${origin(target)}`,
          },
        },
        claim.reason,
      );
    });
  }

  /**
   * Publishes a kept version's clusters and centres again as the claim's version: its users
   * join the clusters they had in it, the aggregates are written from a fresh read, and users
   * it never saw are placed as late users, after the others joined.
   */
  private async republish(
    claim: ReclusterClaim,
    version: number,
    origin: Pick<ModelDescription, 'rollbackOf' | 'promotedFrom' | 'republishOf'>,
    target: PublishTarget,
    reason: string,
  ): Promise<ReclusterOutcome> {
    const started = performance.now();
    const stored = await this.stores.models.load(version);
    if (stored === undefined)
      return { status: 'skipped', reason: `model ${version} is incomplete` };
    const snapshot = await this.stores.ratings.read();
    const clusters = await this.stores.users.clustersOf([...snapshot.userIds], version);
    const rowClusters = Int32Array.from(snapshot.userIds, (userId) => clusters.get(userId) ?? -1);
    const sizes = new Array<number>(stored.description.clusters).fill(0);
    for (const cluster of rowClusters) if (cluster >= 0) sizes[cluster] = (sizes[cluster] ?? 0) + 1;
    const {
      rollbackOf: _rollbackOf,
      promotedFrom: _promotedFrom,
      republishOf: _republishOf,
      ...built
    } = stored.description;
    const description: ModelDescription = {
      ...built,
      ...origin,
      version: claim.version,
      builtAt: new Date().toISOString(),
      users: clusters.size,
      sizes,
      buildSeconds: Math.round(performance.now() - started) / 1000,
    };
    const favourites = favouritesPattern(
      snapshot.ratings,
      snapshot.favourites,
      description.settings.favouriteMinRating,
    );
    await this.publish(
      claim,
      { ...stored, description },
      snapshot,
      rowClusters,
      favourites,
      target,
    );
    return {
      status: 'published',
      version: claim.version,
      reason,
      seconds: (performance.now() - started) / 1000,
      model: description,
    };
  }

  private async publish(
    claim: ReclusterClaim,
    model: StoredModel,
    snapshot: RatingsSnapshot,
    rowClusters: Int32Array,
    favourites: CsrPattern,
    target: PublishTarget,
  ): Promise<void> {
    const { models, users, aggregates } = this.stores;
    const { clusters, settings } = model.description;
    const [abandoned, history, candidate] = await Promise.all([
      models.nextVersion(),
      models.history(),
      models.candidateVersion(),
    ]);
    // Joining drops users' fields of other versions: the candidate's are kept, since ingestion
    // maintains it beside the current one (and while it is being replaced or promoted, until
    // the switch).
    const kept = [
      ...history.map((entry) => entry.version),
      ...(candidate === undefined ? [] : [candidate]),
    ];
    const active: ActiveModel = {
      version: claim.version,
      clusters,
      favouriteMinRating: settings.favouriteMinRating,
    };
    await models.save(model);
    await aggregates.write(
      claim.version,
      clusterTotals(snapshot.ratings, favourites, rowClusters, clusters),
      snapshot.movieIds,
    );
    await models.setNext(claim);
    const joining = rowClusters.reduce<number[]>((rows, cluster, row) => {
      if (cluster >= 0) rows.push(row);
      return rows;
    }, []);
    const due = await users.joinClusters(
      active,
      {
        userIds: joining.map((row) => snapshot.userIds[row] ?? 0),
        clusters: Int32Array.from(joining, (row) => rowClusters[row] ?? 0),
        versions: Float64Array.from(joining, (row) => snapshot.versions[row] ?? 0),
      },
      kept,
    );
    await users.compensate(
      active,
      joining.flatMap((row, i) =>
        due[i] === 1
          ? [
              {
                userId: snapshot.userIds[row] ?? 0,
                cluster: rowClusters[row] ?? 0,
                contribution: snapshotContribution(snapshot, favourites, row),
              },
            ]
          : [],
      ),
    );
    await this.placeLateUsers(active, model, new Set(joining.map((row) => snapshot.userIds[row])));
    let dropped: number[];
    if (target.as === 'candidate') {
      const replaced = await models.publishCandidate(claim);
      dropped = replaced === undefined ? [] : [replaced];
    } else {
      dropped = await models.publish(
        claim,
        this.settings.keepVersions,
        target.pin,
        target.replacesCandidate,
      );
      // A promoted candidate lives on as this version, a discarded one not at all.
      if (target.replacesCandidate !== undefined) dropped.push(target.replacesCandidate);
    }
    // A version a failed run left as "next" is older than this one, so ingestion ignores it now.
    if (abandoned !== undefined && abandoned !== claim.version) dropped.push(abandoned);
    for (const old of dropped) await models.delete(old);
  }

  /**
   * Users that joined no cluster (they appeared after the read, or the rolled-back model never
   * saw them), and that ingestion has not placed in the new version already, are placed by the
   * model's placement rule, provisionally (a recluster clusters them).
   */
  private async placeLateUsers(
    active: ActiveModel,
    model: StoredModel,
    joined: ReadonlySet<number | undefined>,
  ): Promise<void> {
    const { users } = this.stores;
    const late = (await users.userIds()).filter((userId) => !joined.has(userId));
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
   * Claims a run. An operator's run or rollback waits for a run in progress to end, up to the
   * lock's time to live, as an operator would rather than be told to try again; a scheduled run
   * does not wait (the next poll tries again).
   */
  private async claim(mode: ClaimMode): Promise<ClaimOutcome> {
    const token = randomUUID();
    const waitUntil = Date.now() + (mode.kind === 'due' ? 0 : this.settings.lockTtlMs);
    for (;;) {
      const outcome = await this.stores.schedule.claim(token, mode, this.settings.lockTtlMs);
      if (!('busy' in outcome) || Date.now() >= waitUntil) return outcome;
      await new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS));
    }
  }

  /**
   * Runs `work` under a claim: the lock is renewed while it runs and released after. A run that
   * fails before publishing deletes the version it began, so nothing half-built stays.
   */
  private async claimed<T>(
    mode: ClaimMode,
    work: (claim: ReclusterClaim) => Promise<T>,
  ): Promise<T | Skipped> {
    const { schedule } = this.stores;
    const outcome = await this.claim(mode);
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
    const inUse = await Promise.all([
      models.currentVersion(),
      models.nextVersion(),
      models.candidateVersion(),
    ]);
    if (!inUse.includes(claim.version)) await models.delete(claim.version);
  }
}

/** The row of a user in a snapshot (rows are in ascending user id), or -1. */
function rowOf(snapshot: RatingsSnapshot, userId: number): number {
  let low = 0;
  let high = snapshot.userIds.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const id = snapshot.userIds[middle] ?? 0;
    if (id === userId) return middle;
    if (id < userId) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** A user's favourite movies in a snapshot, for the demographic clusters. */
function favouriteMoviesOf(
  snapshot: RatingsSnapshot,
  favourites: CsrPattern,
  userId: number,
): number[] {
  const row = rowOf(snapshot, userId);
  if (row < 0) return [];
  const movies: number[] = [];
  for (let p = favourites.rowPtr[row] ?? 0; p < (favourites.rowPtr[row + 1] ?? 0); p++) {
    movies.push(snapshot.movieIds[favourites.colIndices[p] ?? 0] ?? 0);
  }
  return movies;
}
