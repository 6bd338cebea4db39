import calculateSlot from 'cluster-key-slot';
import { type RedisConfig } from '@app/config';
import { FAVOURITE_MIN_RATING, type IngestEvent } from '@app/events';
import { ackOutboxScript } from './ack-outbox.script';
import { applyClusterDeltasScript } from './apply-cluster-deltas.script';
import { applyEventsScript } from './apply-events.script';
import { applyUserEventsScript } from './apply-user-events.script';
import { type RedisClient } from './lua-script';
import { createRedisClient } from './redis-client';
import { RedisKeys } from './redis-keys';

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
}

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

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    await this.client.quit();
  }

  /** Models whose cluster aggregates ingestion keeps up to date. */
  async activeModels(): Promise<ActiveModel[]> {
    const current = await this.client.get(this.keys.currentModel());
    if (current === null) return [];
    const version = Number(current);
    const clusters = await this.client.get(this.keys.modelClusterCount(version));
    if (clusters === null) throw new Error(`model ${version} has no cluster count`);
    return [{ version, clusters: Number(clusters) }];
  }

  async setCurrentModel({ version, clusters }: ActiveModel): Promise<void> {
    await this.client.set(this.keys.modelClusterCount(version), String(clusters));
    await this.client.set(this.keys.currentModel(), String(version));
  }

  async assignClusters(version: number, assignments: ReadonlyMap<number, number>): Promise<void> {
    const field = this.keys.userMetaClusterField(version);
    await Promise.all(
      [...assignments].map(([userId, cluster]) =>
        this.client.hset(this.keys.userMeta(userId), field, String(cluster)),
      ),
    );
  }

  /**
   * Applies validated events in order. Resolves only when every write, including the cluster
   * aggregates of the given models, is in Redis; any replay of the same events changes nothing.
   */
  async applyEvents(
    events: readonly IngestEvent[],
    models: readonly ActiveModel[],
  ): Promise<ApplyResult> {
    const byUser = new Map<number, ScriptEvent[]>();
    for (const event of events) {
      const list = byUser.get(event.userId);
      if (list) list.push(toScriptEvent(event));
      else byUser.set(event.userId, [toScriptEvent(event)]);
    }
    if (byUser.size === 0) return { users: 0, events: 0 };
    const userIds = [...byUser.keys()];
    await Promise.all([
      this.client.sadd(this.keys.users(), ...userIds.map(String)),
      this.config.cluster
        ? this.applyThroughOutboxes(userIds, byUser, models)
        : this.applyAtomically(userIds, byUser, models),
    ]);
    return { users: userIds.length, events: events.length };
  }

  /** Single node: users and cluster aggregates are written by one atomic script per chunk. */
  private async applyAtomically(
    userIds: readonly number[],
    byUser: ReadonlyMap<number, ScriptEvent[]>,
    models: readonly ActiveModel[],
  ): Promise<void> {
    const targets = models.flatMap(({ version, clusters }) =>
      Array.from({ length: clusters }, (_, cluster) => ({ version, cluster })),
    );
    const targetKeys = targets.flatMap(({ version, cluster }) => [
      this.keys.clusterFavourites(version, cluster),
      this.keys.clusterRatingSums(version, cluster),
      this.keys.clusterRatingCounts(version, cluster),
    ]);
    const payloadHead = JSON.stringify({
      versions: models.map((m) => m.version),
      targets: targets.map(({ version, cluster }) => `${version}:${cluster}`),
    }).slice(0, -1);
    await Promise.all(
      this.group(userIds, (userId) => this.keys.userTag(userId)).map((group) => {
        const keys = group.flatMap((userId) => [
          this.keys.userRatings(userId),
          this.keys.userExplicitFavourites(userId),
          this.keys.userMeta(userId),
        ]);
        const users = JSON.stringify(group.map((userId) => byUser.get(userId) ?? []));
        return applyEventsScript.run(
          this.client,
          [...keys, ...targetKeys],
          [`${payloadHead},"users":${users}}`],
        );
      }),
    );
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
  ): Promise<void> {
    const outboxes = await this.recordInOutboxes(userIds, byUser, models);
    await this.applyClusterDeltas(outboxes);
    await this.acknowledge(outboxes);
  }

  private async recordInOutboxes(
    userIds: readonly number[],
    byUser: ReadonlyMap<number, ScriptEvent[]>,
    models: readonly ActiveModel[],
  ): Promise<Map<number, OutboxEntry[]>> {
    const versions = models.map((m) => m.version);
    const groups = this.group(userIds, (userId) => this.keys.userTag(userId));
    const replies = await Promise.all(
      groups.map((group) => {
        const keys = group.flatMap((userId) => [
          this.keys.userRatings(userId),
          this.keys.userExplicitFavourites(userId),
          this.keys.userMeta(userId),
          this.keys.userOutbox(userId),
        ]);
        const users = group.map((userId) => byUser.get(userId) ?? []);
        return applyUserEventsScript.run(this.client, keys, [JSON.stringify({ versions, users })]);
      }),
    );
    const outboxes = new Map<number, OutboxEntry[]>();
    groups.forEach((group, g) => {
      const perUser = replies[g] as string[][];
      group.forEach((userId, i) => {
        const entries = perUser[i] ?? [];
        if (entries.length > 0) {
          outboxes.set(
            userId,
            entries.map((raw) => JSON.parse(raw) as OutboxEntry),
          );
        }
      });
    });
    return outboxes;
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
