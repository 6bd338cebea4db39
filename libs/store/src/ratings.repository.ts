import calculateSlot from 'cluster-key-slot';
import { type RedisConfig } from '@app/config';
import {
  FAVOURITE_MIN_RATING,
  type IngestEvent,
  type UserProfile,
  userProfileSchema,
} from '@app/events';
import { type DemographicModel } from '@app/recommend';
import { ackOutboxScript } from './ack-outbox.script';
import { applyClusterDeltasScript } from './apply-cluster-deltas.script';
import { applyEventsScript } from './apply-events.script';
import { applyUserEventsScript } from './apply-user-events.script';
import { assignUsersScript, assignUsersToOutboxScript } from './assign-users.script';
import { type RedisClient } from './lua-script';
import { readUserSummaryScript } from './read-user-summary.script';
import { readUserScript } from './read-user.script';
import { createRedisClient } from './redis-client';
import { RedisKeys } from './redis-keys';
import { acquireLockScript, releaseLockScript, switchModelScript } from './switch-model.script';

export interface StoredRating {
  rating: number;
  timestamp: number;
}

export interface ClusterAggregates {
  /** movieId -> number of the cluster's users who favourite it. */
  favourites: Map<number, number>;
  /** movieId -> sum of the cluster's ratings. */
  ratingSums: Map<number, number>;
  /** movieId -> number of the cluster's ratings. */
  ratingCounts: Map<number, number>;
}

export interface ApplyResult {
  users: number;
  events: number;
  /** The model versions whose aggregates the events were applied to. */
  models: ActiveModel[];
  /** For each of those versions, the users of the events who have no cluster in it yet. */
  unassigned: Map<number, number[]>;
}

/**
 * The users per cluster a model's description records (its `sizes` field, a JSON list), or
 * undefined for a description without them, as older versions wrote.
 */
export function clusterSizesOf(info: Record<string, string | number>): number[] | undefined {
  try {
    const sizes: unknown = JSON.parse(String(info.sizes));
    return Array.isArray(sizes) && sizes.every((s) => typeof s === 'number') ? sizes : undefined;
  } catch {
    return undefined;
  }
}

/** A model as stored: its centres over its movie columns, and a description. */
export interface StoredModel {
  version: number;
  clusters: number;
  /** Cluster-major centres: centroids[c * movieIds.length + column]. */
  centroids: Float32Array;
  movieIds: Int32Array;
  info: Record<string, string | number>;
  /** Demographic clusters for users with a profile and no ratings, when any user had a profile. */
  demographics?: DemographicModel;
}

/** All stored ratings (ratings on the 0.5-5 scale) and explicit favourites, as parallel lists. */
export interface RatingsSnapshot {
  userIds: number[];
  movieIds: number[];
  ratings: number[];
  favouriteUserIds: number[];
  favouriteMovieIds: number[];
}

/** The recluster lock expired or was taken before the run could publish. */
export class LockLostError extends Error {
  readonly code = 'LOCK_LOST';

  constructor(cause: unknown) {
    super('the recluster lock was lost before the model could be published', { cause });
    this.name = 'LockLostError';
  }
}

/** A model switch between look-up and write is rare; more stale answers in a row mean a fault. */
const STALE_MODEL_ATTEMPTS = 5;

const toStrings = (record: Record<string, string | number>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)]));

/** A model version whose cluster aggregates ingestion maintains, and its number of clusters. */
export interface ActiveModel {
  version: number;
  clusters: number;
}

/** [movieId -> [sum2 delta, count delta, favourite delta]] as written by apply-user-events. */
type OutboxEntry = [seq: number, targets: [version: number, cluster: number][], deltas: unknown];

/**
 * The one door to Redis for ratings, favourites, cluster assignments and cluster aggregates.
 *
 * Writes go through three idempotent Lua scripts, each confined to one hash slot, so a batch can
 * be replayed any number of times after a failure and Redis ends in the same state.
 */
export class RatingsRepository {
  readonly keys: RedisKeys;
  private readonly client: RedisClient;

  constructor(
    private readonly config: RedisConfig,
    client?: RedisClient,
  ) {
    this.keys = new RedisKeys(config.keyPrefix);
    this.client = client ?? createRedisClient(config);
  }

  /** Resolves true once connected, or false after `timeoutMs` without a connection. */
  async connected(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    await this.client.quit();
  }

  /**
   * As a Nest provider the connection closes at application shutdown: after every module's
   * onModuleDestroy, where consumers finish their batch and the servers stop taking requests.
   */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /**
   * Models whose cluster aggregates ingestion keeps up to date: the current one and, while a
   * recluster is publishing, the next one.
   */
  async activeModels(): Promise<ActiveModel[]> {
    const [current, next] = await Promise.all([
      this.client.get(this.keys.currentModel()),
      this.client.get(this.keys.nextModel()),
    ]);
    const versions = [...new Set([current, next].filter((v) => v !== null).map(Number))];
    return Promise.all(
      versions.map(async (version) => {
        const clusters = await this.clusterCount(version);
        if (clusters === undefined) throw new Error(`model ${version} has no cluster count`);
        return { version, clusters };
      }),
    );
  }

  /** The number of clusters of a stored model version. */
  async clusterCount(version: number): Promise<number | undefined> {
    const clusters = await this.client.get(this.keys.modelClusterCount(version));
    return clusters === null ? undefined : Number(clusters);
  }

  async currentModelVersion(): Promise<number | undefined> {
    const current = await this.client.get(this.keys.currentModel());
    return current === null ? undefined : Number(current);
  }

  /** A fresh model version number. */
  async newModelVersion(): Promise<number> {
    return this.client.incr(this.keys.modelSequence());
  }

  /** Stores what a model version needs before users can be assigned to it. */
  async saveModel(model: StoredModel): Promise<void> {
    const { version, clusters, centroids, movieIds, info, demographics } = model;
    await Promise.all([
      demographics === undefined
        ? undefined
        : this.client.set(this.keys.modelDemographics(version), JSON.stringify(demographics)),
      this.client.set(this.keys.modelClusterCount(version), String(clusters)),
      this.client.set(
        this.keys.modelCentroids(version),
        Buffer.from(centroids.buffer, centroids.byteOffset, centroids.byteLength),
      ),
      this.client.set(
        this.keys.modelMovies(version),
        Buffer.from(movieIds.buffer, movieIds.byteOffset, movieIds.byteLength),
      ),
      this.client.hset(this.keys.modelInfo(version), toStrings({ ...info, version, clusters })),
    ]);
  }

  async loadModel(version: number): Promise<StoredModel | undefined> {
    const [clusters, centroids, movies, info, demographics] = await Promise.all([
      this.client.get(this.keys.modelClusterCount(version)),
      this.client.getBuffer(this.keys.modelCentroids(version)),
      this.client.getBuffer(this.keys.modelMovies(version)),
      this.client.hgetall(this.keys.modelInfo(version)),
      this.client.get(this.keys.modelDemographics(version)),
    ]);
    if (clusters === null || centroids === null || movies === null) return undefined;
    return {
      version,
      clusters: Number(clusters),
      centroids: new Float32Array(
        centroids.buffer.slice(centroids.byteOffset, centroids.byteOffset + centroids.byteLength),
      ),
      movieIds: new Int32Array(
        movies.buffer.slice(movies.byteOffset, movies.byteOffset + movies.byteLength),
      ),
      info,
      ...(demographics === null
        ? {}
        : { demographics: JSON.parse(demographics) as DemographicModel }),
    };
  }

  /** Published versions, oldest first, with their descriptions. */
  async modelHistory(): Promise<{ version: number; info: Record<string, string> }[]> {
    const versions = (await this.client.lrange(this.keys.modelVersions(), 0, -1)).map(Number);
    return Promise.all(
      versions.map(async (version) => ({
        version,
        info: await this.client.hgetall(this.keys.modelInfo(version)),
      })),
    );
  }

  /** The version a recluster is building, or one a crashed run left behind. */
  async nextModelVersion(): Promise<number | undefined> {
    const next = await this.client.get(this.keys.nextModel());
    return next === null ? undefined : Number(next);
  }

  /** Makes ingestion maintain this version's aggregates from now on, beside the current one. */
  async setNextModel(version: number): Promise<void> {
    await this.client.set(this.keys.nextModel(), String(version));
  }

  /**
   * Puts users in their clusters of a version, each together with everything they rated so far
   * (see assign-users.script). Users already in a cluster of that version keep it.
   */
  async assignUsers(
    version: number,
    clusters: number,
    assignments: ReadonlyMap<number, number>,
  ): Promise<number> {
    const userIds = [...assignments.keys()];
    const groups = this.group(userIds, (userId) => this.keys.userTag(userId));
    if (this.config.cluster) {
      const replies = await Promise.all(
        groups.map((group) =>
          assignUsersToOutboxScript.run(
            this.client,
            group.flatMap((userId) => this.userKeys(userId, true)),
            [String(version), JSON.stringify(group.map((userId) => assignments.get(userId)))],
          ),
        ),
      );
      const outboxes = this.parseOutboxes(groups, replies as string[][][]);
      await this.applyClusterDeltas(outboxes);
      await this.acknowledge(outboxes);
      return outboxes.size;
    }
    const clusterKeys = this.clusterKeys([{ version, clusters }]);
    const counts = await Promise.all(
      groups.map((group) =>
        assignUsersScript.run(
          this.client,
          [...group.flatMap((userId) => this.userKeys(userId, false)), ...clusterKeys],
          [String(version), JSON.stringify(group.map((userId) => assignments.get(userId)))],
        ),
      ),
    );
    return counts.reduce<number>((a, n) => a + Number(n), 0);
  }

  /** The cluster of each given user in a version (users without one are left out). */
  async clustersOf(userIds: readonly number[], version: number): Promise<Map<number, number>> {
    const field = this.keys.userMetaClusterField(version);
    const clusters = await Promise.all(
      userIds.map((userId) => this.client.hget(this.keys.userMeta(userId), field)),
    );
    const result = new Map<number, number>();
    userIds.forEach((userId, i) => {
      const cluster = clusters[i];
      if (cluster !== null && cluster !== undefined) result.set(userId, Number(cluster));
    });
    return result;
  }

  /**
   * Publishes a version while the lock is still ours, and returns the versions that fell out of
   * the kept history. Throws LockLostError when the lock expired or was taken.
   */
  async switchModel(lockToken: string, version: number, keep: number): Promise<number[]> {
    try {
      const dropped = (await switchModelScript.run(
        this.client,
        [
          this.keys.reclusterLock(),
          this.keys.currentModel(),
          this.keys.nextModel(),
          this.keys.modelVersions(),
        ],
        [lockToken, String(version), String(keep)],
      )) as string[];
      return dropped.map(Number);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('LOCK_LOST'))
        throw new LockLostError(error);
      throw error;
    }
  }

  /**
   * Deletes a version: first every user's cluster in it, so that no ingest script writes to its
   * aggregates any more (scripts follow the user's own fields), then its aggregates, centres and
   * description.
   */
  async deleteModel(version: number): Promise<void> {
    const field = this.keys.userMetaClusterField(version);
    const users = await this.getUserIds();
    for (let i = 0; i < users.length; i += 10_000) {
      await Promise.all(
        users
          .slice(i, i + 10_000)
          .map((userId) => this.client.hdel(this.keys.userMeta(userId), field)),
      );
    }
    const clusters = Number((await this.client.get(this.keys.modelClusterCount(version))) ?? 0);
    const keys = [
      this.keys.modelClusterCount(version),
      this.keys.modelCentroids(version),
      this.keys.modelMovies(version),
      this.keys.modelInfo(version),
      this.keys.modelDemographics(version),
      ...this.clusterKeys([{ version, clusters }]),
      ...Array.from({ length: clusters }, (_, c) => this.keys.clusterApplied(version, c)),
    ];
    await Promise.all(keys.map((key) => this.client.unlink(key)));
  }

  /** Takes (or renews) the recluster lock for `ttlMs`; false when another run holds it. */
  async acquireReclusterLock(token: string, ttlMs: number): Promise<boolean> {
    return (
      (await acquireLockScript.run(
        this.client,
        [this.keys.reclusterLock()],
        [token, String(ttlMs)],
      )) === 1
    );
  }

  async releaseReclusterLock(token: string): Promise<void> {
    await releaseLockScript.run(this.client, [this.keys.reclusterLock()], [token]);
  }

  /** A strictly increasing fencing token for the next recluster run. */
  async nextFencingToken(): Promise<number> {
    return this.client.incr(this.keys.reclusterFence());
  }

  /**
   * Counts a batch: events applied (toward the next recluster, and in total) and dead-lettered.
   * Statistics, not state: a batch replayed after a failure is counted again.
   */
  async countIngestedEvents(count: number, deadLettered = 0): Promise<void> {
    await Promise.all([
      count > 0 ? this.client.incrby(this.keys.eventsSinceRecluster(), count) : undefined,
      count > 0 ? this.client.hincrby(this.keys.ingestTotals(), 'events', count) : undefined,
      deadLettered > 0
        ? this.client.hincrby(this.keys.ingestTotals(), 'deadLettered', deadLettered)
        : undefined,
    ]);
  }

  /** Every event ingested and dead-lettered so far, over all ingest processes. */
  async ingestTotals(): Promise<{ events: number; deadLettered: number }> {
    const totals = await this.client.hgetall(this.keys.ingestTotals());
    return { events: Number(totals.events ?? 0), deadLettered: Number(totals.deadLettered ?? 0) };
  }

  /** Events ingested since the counter was last reset; `reset` takes them off the counter. */
  async eventsSinceRecluster({ reset = false } = {}): Promise<number> {
    const key = this.keys.eventsSinceRecluster();
    const count = Number((await this.client.get(key)) ?? 0);
    if (reset && count > 0) await this.client.decrby(key, count);
    return count;
  }

  /** Every user's ratings and explicit favourites, read in chunks. */
  async readAllRatings(
    onProgress?: (users: number, total: number) => void,
  ): Promise<RatingsSnapshot> {
    const userIds = await this.getUserIds();
    const snapshot: RatingsSnapshot = {
      userIds: [],
      movieIds: [],
      ratings: [],
      favouriteUserIds: [],
      favouriteMovieIds: [],
    };
    for (let i = 0; i < userIds.length; i += 2_000) {
      const chunk = userIds.slice(i, i + 2_000);
      const [ratings, favourites] = await Promise.all([
        Promise.all(chunk.map((userId) => this.client.hgetall(this.keys.userRatings(userId)))),
        Promise.all(
          chunk.map((userId) => this.client.smembers(this.keys.userExplicitFavourites(userId))),
        ),
      ]);
      chunk.forEach((userId, j) => {
        for (const [movie, value] of Object.entries(ratings[j] ?? {})) {
          snapshot.userIds.push(userId);
          snapshot.movieIds.push(Number(movie));
          snapshot.ratings.push(Number(value.slice(0, value.indexOf(':'))) / 2);
        }
        for (const movie of favourites[j] ?? []) {
          snapshot.favouriteUserIds.push(userId);
          snapshot.favouriteMovieIds.push(Number(movie));
        }
      });
      onProgress?.(Math.min(i + chunk.length, userIds.length), userIds.length);
    }
    return snapshot;
  }

  /**
   * Applies validated events in order to the users and to the cluster aggregates of the active
   * models. Resolves only when every write is in Redis; any replay of the same events changes
   * nothing. A model published meanwhile is noticed by the scripts (a user already in a newer
   * version), which write nothing then; the events are applied again with the models re-read.
   */
  async applyEvents(events: readonly IngestEvent[]): Promise<ApplyResult> {
    const byUser = new Map<number, ScriptEvent[]>();
    for (const event of events) {
      const list = byUser.get(event.userId);
      if (list) list.push(toScriptEvent(event));
      else byUser.set(event.userId, [toScriptEvent(event)]);
    }
    const userIds = [...byUser.keys()];
    if (userIds.length === 0) return { users: 0, events: 0, models: [], unassigned: new Map() };
    const [, applied] = await Promise.all([
      this.client.sadd(this.keys.users(), ...userIds.map(String)),
      this.applyToActiveModels(userIds, byUser),
    ]);
    return { users: userIds.length, events: events.length, ...applied };
  }

  private async applyToActiveModels(
    userIds: readonly number[],
    byUser: ReadonlyMap<number, ScriptEvent[]>,
  ): Promise<Pick<ApplyResult, 'models' | 'unassigned'>> {
    for (let attempt = 1; ; attempt++) {
      const models = await this.activeModels();
      try {
        const unassigned = this.config.cluster
          ? await this.applyThroughOutboxes(userIds, byUser, models)
          : await this.applyAtomically(userIds, byUser, models);
        return { models, unassigned };
      } catch (error) {
        const stale = error instanceof Error && error.message.includes('STALE_MODELS');
        if (!stale || attempt === STALE_MODEL_ATTEMPTS) throw error;
        // Scripts that refused wrote nothing; those that ran are replays now, and change nothing.
      }
    }
  }

  /** Single node: users and cluster aggregates are written by one atomic script per chunk. */
  private async applyAtomically(
    userIds: readonly number[],
    byUser: ReadonlyMap<number, ScriptEvent[]>,
    models: readonly ActiveModel[],
  ): Promise<Map<number, number[]>> {
    const targetKeys = this.clusterKeys(models);
    const payloadHead = JSON.stringify({
      versions: models.map((m) => m.version),
      targets: models.flatMap(({ version, clusters }) =>
        Array.from({ length: clusters }, (_, cluster) => `${version}:${cluster}`),
      ),
    }).slice(0, -1);
    const groups = this.group(userIds, (userId) => this.keys.userTag(userId));
    const replies = await Promise.all(
      groups.map((group) => {
        const keys = group.flatMap((userId) => this.userKeys(userId, false));
        const users = JSON.stringify(group.map((userId) => byUser.get(userId) ?? []));
        return applyEventsScript.run(
          this.client,
          [...keys, ...targetKeys],
          [`${payloadHead},"users":${users}}`],
        );
      }),
    );
    return this.collectUnassigned(models, groups, replies as number[][][]);
  }

  /**
   * Redis Cluster: a user's keys and a cluster's keys sit on different slots, so the effect on
   * clusters travels through the user's outbox: record (atomic with the user update), apply
   * (deduplicated per user and sequence number), acknowledge.
   */
  private async applyThroughOutboxes(
    userIds: readonly number[],
    byUser: ReadonlyMap<number, ScriptEvent[]>,
    models: readonly ActiveModel[],
  ): Promise<Map<number, number[]>> {
    const versions = models.map((m) => m.version);
    const groups = this.group(userIds, (userId) => this.keys.userTag(userId));
    const replies = (await Promise.all(
      groups.map((group) => {
        const keys = group.flatMap((userId) => this.userKeys(userId, true));
        const users = group.map((userId) => byUser.get(userId) ?? []);
        return applyUserEventsScript.run(this.client, keys, [JSON.stringify({ versions, users })]);
      }),
    )) as [outboxes: string[][], unassigned: number[][]][];
    const outboxes = this.parseOutboxes(
      groups,
      replies.map(([perUser]) => perUser),
    );
    await this.applyClusterDeltas(outboxes);
    await this.acknowledge(outboxes);
    return this.collectUnassigned(
      models,
      groups,
      replies.map(([, unassigned]) => unassigned),
    );
  }

  /** Turns each group's per-version lists of 1-based user indexes into user ids per version. */
  private collectUnassigned(
    models: readonly ActiveModel[],
    groups: readonly number[][],
    perGroup: readonly number[][][],
  ): Map<number, number[]> {
    return new Map(
      models.map(({ version }, j) => [
        version,
        groups.flatMap((group, g) =>
          (perGroup[g]?.[j] ?? []).flatMap((index) => group.slice(index - 1, index)),
        ),
      ]),
    );
  }

  /** Decodes the outbox entries a user-slot script returned for each user of each group. */
  private parseOutboxes(
    groups: readonly number[][],
    replies: readonly string[][][],
  ): Map<number, OutboxEntry[]> {
    const outboxes = new Map<number, OutboxEntry[]>();
    groups.forEach((group, g) => {
      const perUser = replies[g] ?? [];
      group.forEach((userId, i) => {
        const entries = perUser[i] ?? [];
        if (entries.length > 0)
          outboxes.set(
            userId,
            entries.map((raw) => JSON.parse(raw) as OutboxEntry),
          );
      });
    });
    return outboxes;
  }

  /** A user's keys in script order: ratings, explicit favourites, meta (and outbox). */
  private userKeys(userId: number, withOutbox: boolean): string[] {
    const keys = [
      this.keys.userRatings(userId),
      this.keys.userExplicitFavourites(userId),
      this.keys.userMeta(userId),
    ];
    if (withOutbox) keys.push(this.keys.userOutbox(userId));
    return keys;
  }

  /** Every cluster's aggregate keys (favourites, sums, counts) of the models, in order. */
  private clusterKeys(models: readonly ActiveModel[]): string[] {
    return models.flatMap(({ version, clusters }) =>
      Array.from({ length: clusters }, (_, cluster) => [
        this.keys.clusterFavourites(version, cluster),
        this.keys.clusterRatingSums(version, cluster),
        this.keys.clusterRatingCounts(version, cluster),
      ]).flat(),
    );
  }

  private async applyClusterDeltas(outboxes: ReadonlyMap<number, OutboxEntry[]>): Promise<void> {
    const byCluster = new Map<string, { version: number; cluster: number; entries: unknown[] }>();
    for (const [userId, entries] of outboxes) {
      for (const [seq, targets, deltas] of entries) {
        for (const [version, cluster] of targets) {
          const id = `${version}:${cluster}`;
          let target = byCluster.get(id);
          if (!target) {
            target = { version, cluster, entries: [] };
            byCluster.set(id, target);
          }
          target.entries.push([String(userId), seq, deltas]);
        }
      }
    }
    const groups = this.group([...byCluster.values()], (t) =>
      this.keys.clusterTag(t.version, t.cluster),
    );
    await Promise.all(
      groups.map((group) => {
        const keys = group.flatMap(({ version, cluster }) => [
          this.keys.clusterFavourites(version, cluster),
          this.keys.clusterRatingSums(version, cluster),
          this.keys.clusterRatingCounts(version, cluster),
          this.keys.clusterApplied(version, cluster),
        ]);
        const payload = JSON.stringify(group.map((t) => t.entries));
        return applyClusterDeltasScript.run(this.client, keys, [payload]);
      }),
    );
  }

  private async acknowledge(outboxes: ReadonlyMap<number, OutboxEntry[]>): Promise<void> {
    const groups = this.group([...outboxes.keys()], (userId) => this.keys.userTag(userId));
    await Promise.all(
      groups.map((group) =>
        ackOutboxScript.run(
          this.client,
          group.map((userId) => this.keys.userOutbox(userId)),
          group.map((userId) => {
            const entries = outboxes.get(userId) ?? [];
            return String(Math.max(...entries.map(([seq]) => seq)));
          }),
        ),
      ),
    );
  }

  /**
   * Splits items into script calls: by hash slot on Redis Cluster (a script may only touch one
   * slot), and in every case into chunks small enough not to stall Redis for other clients.
   */
  private group<T>(items: readonly T[], tagOf: (item: T) => string): T[][] {
    const buckets = new Map<number, T[]>();
    for (const item of items) {
      const slot = this.config.cluster ? calculateSlot(tagOf(item)) : 0;
      const bucket = buckets.get(slot);
      if (bucket) bucket.push(item);
      else buckets.set(slot, [item]);
    }
    const size = this.config.scriptBatchUsers;
    const chunks: T[][] = [];
    for (const bucket of buckets.values()) {
      for (let i = 0; i < bucket.length; i += size) chunks.push(bucket.slice(i, i + size));
    }
    return chunks;
  }

  async getUserRatings(userId: number): Promise<Map<number, StoredRating>> {
    const raw = await this.client.hgetall(this.keys.userRatings(userId));
    const ratings = new Map<number, StoredRating>();
    for (const [movie, value] of Object.entries(raw)) {
      const [rating2, timestamp] = value.split(':');
      ratings.set(Number(movie), { rating: Number(rating2) / 2, timestamp: Number(timestamp) });
    }
    return ratings;
  }

  /** Favourites: movies rated FAVOURITE_MIN_RATING or more, and movies explicitly favourited. */
  async getUserFavourites(userId: number): Promise<Set<number>> {
    const [ratings, explicit] = await Promise.all([
      this.getUserRatings(userId),
      this.client.smembers(this.keys.userExplicitFavourites(userId)),
    ]);
    const favourites = new Set(explicit.map(Number));
    for (const [movie, { rating }] of ratings) {
      if (rating >= FAVOURITE_MIN_RATING) favourites.add(movie);
    }
    return favourites;
  }

  /** Deletes every key under this repository's prefix (benchmarks and tests clean up with it). */
  async deleteAll(): Promise<void> {
    const nodes = 'nodes' in this.client ? this.client.nodes('master') : [this.client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(
          cursor,
          'MATCH',
          `${this.config.keyPrefix}:*`,
          'COUNT',
          5_000,
        );
        cursor = next;
        if (keys.length > 0) await Promise.all(keys.map((key) => node.unlink(key)));
      } while (cursor !== '0');
    }
  }

  async saveProfile(userId: number, profile: UserProfile): Promise<void> {
    await Promise.all([
      this.client.hset(this.keys.userProfile(userId), toStrings({ ...profile })),
      this.client.sadd(this.keys.profiles(), String(userId)),
    ]);
  }

  /** Every stored profile, by userId. */
  async readProfiles(): Promise<Map<number, UserProfile>> {
    const userIds = (await this.client.smembers(this.keys.profiles())).map(Number);
    const profiles = new Map<number, UserProfile>();
    for (let i = 0; i < userIds.length; i += 2_000) {
      const chunk = userIds.slice(i, i + 2_000);
      const raws = await Promise.all(
        chunk.map((userId) => this.client.hgetall(this.keys.userProfile(userId))),
      );
      chunk.forEach((userId, j) => {
        const profile = toProfile(raws[j] ?? {});
        if (profile) profiles.set(userId, profile);
      });
    }
    return profiles;
  }

  /** A user's keys as the read scripts take them: meta, ratings, explicit favourites, profile. */
  private userReadKeys(userId: number): string[] {
    return [
      this.keys.userMeta(userId),
      this.keys.userRatings(userId),
      this.keys.userExplicitFavourites(userId),
      this.keys.userProfile(userId),
    ];
  }

  /**
   * What a recommendation needs of a user, in one round trip: their cluster in each model
   * version, the movies they rated or favourited, and their profile.
   */
  async readUserSummary(userId: number): Promise<UserSummary> {
    const [meta, rated, explicit, profile] = (await readUserSummaryScript.run(
      this.client,
      this.userReadKeys(userId),
      [],
    )) as [string[], string, string, string[]];
    const seen = new Set<number>();
    const add = (movies: string) => {
      if (movies.length > 0) for (const movie of movies.split(',')) seen.add(Number(movie));
    };
    add(rated);
    const ratedCount = seen.size;
    add(explicit);
    return {
      clusters: clustersIn(meta),
      rated: ratedCount,
      seen,
      profile: profile.length === 0 ? undefined : toProfile(fieldsOf(profile)),
    };
  }

  /**
   * Everything a prediction needs about one user, in one round trip (the keys share the user's
   * hash tag, so one node answers on Redis Cluster too): their cluster in each model version,
   * ratings, favourites and profile.
   */
  async readUserView(userId: number): Promise<UserView> {
    const [meta, ratings, explicit, profile] = (await readUserScript.run(
      this.client,
      this.userReadKeys(userId),
      [],
    )) as [string[], string, string, string[]];
    const clusters = clustersIn(meta);
    const ratingMap = new Map<number, number>();
    const seen = new Set<number>();
    const favourites = new Set<number>();
    const pairs = ratings.length === 0 ? [] : ratings.split(',');
    for (let i = 0; i < pairs.length; i += 2) {
      const movie = Number(pairs[i]);
      const value = pairs[i + 1] ?? '';
      const rating = Number(value.slice(0, value.indexOf(':'))) / 2;
      ratingMap.set(movie, rating);
      seen.add(movie);
      if (rating >= FAVOURITE_MIN_RATING) favourites.add(movie);
    }
    for (const movie of explicit.length === 0 ? [] : explicit.split(',')) {
      favourites.add(Number(movie));
      seen.add(Number(movie));
    }
    return {
      clusters,
      ratings: ratingMap,
      favourites,
      seen,
      profile: profile.length === 0 ? undefined : toProfile(fieldsOf(profile)),
    };
  }

  async getUserIds(): Promise<number[]> {
    const members = await this.client.smembers(this.keys.users());
    return members.map(Number).sort((a, b) => a - b);
  }

  async getClusterAggregates(version: number, cluster: number): Promise<ClusterAggregates> {
    const [favourites, sums, counts] = await Promise.all([
      this.client.zrange(this.keys.clusterFavourites(version, cluster), '0', '-1', 'WITHSCORES'),
      this.client.hgetall(this.keys.clusterRatingSums(version, cluster)),
      this.client.hgetall(this.keys.clusterRatingCounts(version, cluster)),
    ]);
    const favouriteCounts = new Map<number, number>();
    for (let i = 0; i < favourites.length; i += 2) {
      favouriteCounts.set(Number(favourites[i]), Number(favourites[i + 1]));
    }
    return {
      favourites: favouriteCounts,
      ratingSums: new Map(Object.entries(sums).map(([m, s]) => [Number(m), Number(s) / 2])),
      ratingCounts: new Map(Object.entries(counts).map(([m, c]) => [Number(m), Number(c)])),
    };
  }
}

/** What a recommendation needs to know of a user (see readUserView). */
export interface UserView {
  /** model version -> the user's cluster in it. */
  clusters: Map<number, number>;
  /** movieId -> rating. */
  ratings: Map<number, number>;
  /** Movies rated FAVOURITE_MIN_RATING or more, and movies explicitly favourited. */
  favourites: Set<number>;
  /** Movies rated or favourited: never recommended back. */
  seen: Set<number>;
  profile: UserProfile | undefined;
}

/** What a recommendation starts from (see readUserSummary). */
export interface UserSummary {
  /** model version -> the user's cluster in it. */
  clusters: Map<number, number>;
  /** How many movies the user rated. */
  rated: number;
  /** Movies rated or favourited: never recommended back. */
  seen: Set<number>;
  profile: UserProfile | undefined;
}

/** A hash read as a flat field, value list (HGETALL inside Lua), as a record. */
function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i] ?? ''] = flat[i + 1] ?? '';
  return fields;
}

/** model version -> cluster, from a user's meta hash as a flat field, value list. */
function clustersIn(meta: readonly string[]): Map<number, number> {
  const clusters = new Map<number, number>();
  for (let i = 0; i < meta.length; i += 2) {
    const field = meta[i] ?? '';
    if (field.startsWith('c:')) clusters.set(Number(field.slice(2)), Number(meta[i + 1]));
  }
  return clusters;
}

/** A stored profile hash as a profile; undefined when there is none (or it no longer parses). */
function toProfile(raw: Record<string, string>): UserProfile | undefined {
  const parsed = userProfileSchema.safeParse({ ...raw, age: Number(raw.age) });
  return parsed.success ? parsed.data : undefined;
}

type ScriptEvent = [kind: 'r' | 'f', movieId: string, rating2: number, timestamp: number];

function toScriptEvent(event: IngestEvent): ScriptEvent {
  switch (event.kind) {
    case 'rating':
      return ['r', String(event.movieId), Math.round(event.rating * 2), event.timestamp];
    case 'favourite':
      return ['f', String(event.movieId), 0, event.timestamp];
    default: {
      const unknown: never = event;
      throw new Error(`unknown event kind in ${JSON.stringify(unknown)}`);
    }
  }
}
