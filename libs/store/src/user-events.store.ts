import { DEFAULT_FAVOURITE_MIN_RATING, type IngestEvent, type UserProfile } from '@app/events';
import { applyEventsScript } from './apply-events.script';
import { applyUserEventsScript } from './apply-user-events.script';
import { deleteUserScript, deleteUserToOutboxScript } from './delete-user.script';
import { inFlight } from './in-flight';
import {
  compensateUsersScript,
  compensateUsersToOutboxScript,
  joinUsersScript,
  joinUsersToOutboxScript,
} from './join-users.script';
import { OutboxRelay } from './outbox.relay';
import { placeUsersScript, placeUsersToOutboxScript } from './place-users.script';
import { readUserScript } from './read-user.script';
import { chunksBySlot, internalsOf, type RedisConnection } from './redis-connection';
import { decodeRating, encodeFavourite, encodeRating, fieldsOf, toProfile } from './stored-values';

/** A model version whose cluster aggregates ingestion keeps up to date, with its rules. */
export interface ActiveModel {
  version: number;
  clusters: number;
  /** The model's favourite threshold: what its favourite counts count. */
  favouriteMinRating: number;
}

/**
 * Every user's contribution to per-movie totals, whatever models exist: version 0 is one cluster
 * everyone is in (see ClusterAggregatesStore.readAllUsers).
 */
const ALL_USERS: ActiveModel = {
  version: 0,
  clusters: 1,
  favouriteMinRating: DEFAULT_FAVOURITE_MIN_RATING,
};

export interface ApplyResult {
  /** For each active version, the users of the events who have no cluster in it yet. */
  unassigned: Map<number, number[]>;
  /** For each active version, provisionally placed users whose ratings doubled since. */
  duePlacements: Map<number, number[]>;
}

export interface StoredRating {
  rating: number;
  timestamp: number;
}

/** A user's cluster in one model version. */
export interface UserCluster {
  cluster: number;
  /** Placed by ingestion (and placed again as ratings grow), not by a recluster. */
  provisional: boolean;
}

/** Everything stored of one user. */
export interface StoredUser {
  /** model version -> the user's cluster in it. */
  clusters: Map<number, UserCluster>;
  /** movieId -> the latest rating. */
  ratings: Map<number, StoredRating>;
  /** Movies added as favourites (favourites by rating are the model's to derive). */
  explicitFavourites: Set<number>;
  profile: UserProfile | undefined;
  /** Movies the user disliked or said they watched: never to be recommended to them. */
  hidden: Set<number>;
}

/** A user belongs to a model version newer than the ones the caller applied events to. */
export class StaleModelsError extends Error {
  readonly code = 'STALE_MODELS';

  constructor(cause: unknown) {
    super('a model was published while the events were applied; look the models up again', {
      cause,
    });
    this.name = 'StaleModelsError';
  }
}

/**
 * Users' events, and their places in clusters: the writes of ingestion and of a recluster's
 * assignment step, and the one read of a user.
 *
 * Writes go through idempotent Lua scripts, each confined to one hash slot, so a batch can be
 * replayed any number of times after a failure and Redis ends in the same state. On one node a
 * script updates a group of users and their clusters' aggregates together; on Redis Cluster user
 * keys and cluster keys live on different slots, and each user's effect on its clusters travels
 * through the user's outbox (see OutboxRelay).
 */
export class UserEventStore {
  private readonly outboxes: OutboxRelay;

  constructor(private readonly connection: RedisConnection) {
    this.outboxes = new OutboxRelay(connection);
  }

  /**
   * Applies validated events in order to the users and to the cluster aggregates of the given
   * models. Resolves only when every write is in Redis; any replay of the same events changes
   * nothing. Throws StaleModelsError, having written nothing for the refusing group, when a
   * user already belongs to a newer model: the caller looks the models up again and retries.
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
    const userIds = [...byUser.keys()];
    const empty: ApplyResult = { unassigned: new Map(), duePlacements: new Map() };
    if (userIds.length === 0) return empty;
    const { client, keys, config } = internalsOf(this.connection);
    const targets = [ALL_USERS, ...models];
    const payloadModels = targets.map(toScriptModel);
    const groups = chunksBySlot(config, userIds, (userId) => keys.userTag(userId));
    const users = (group: number[]) => group.map((userId) => byUser.get(userId) ?? []);
    const replies = await Promise.all(
      groups.map((group) =>
        config.cluster
          ? applyUserEventsScript.run(
              client,
              group.flatMap((userId) => this.eventKeys(userId, true)),
              [JSON.stringify({ models: payloadModels, users: users(group) })],
            )
          : applyEventsScript.run(
              client,
              [
                ...group.flatMap((userId) => this.eventKeys(userId, false)),
                ...this.clusterKeys(targets),
              ],
              [JSON.stringify({ models: payloadModels, users: users(group) })],
            ),
      ),
    ).catch((error: unknown) => {
      throw error instanceof Error && error.message.includes('STALE_MODELS')
        ? new StaleModelsError(error)
        : error;
    });
    let perGroup = replies as [number[][], number[][], number[]][];
    let relayed: Promise<void> = Promise.resolve();
    if (config.cluster) {
      const withOutboxes = replies as [string[][], number[][], number[][], number[]][];
      relayed = this.outboxes.relay(
        groups,
        withOutboxes.map(([outboxes]) => outboxes),
      );
      perGroup = withOutboxes.map(([, unassigned, due, gone]) => [unassigned, due, gone]);
    }
    // Only once the scripts ran: a deleted user whose events were all older than their deletion
    // (see deleteUser) stays out of the set.
    const seen = groups.flatMap((group, g) => {
      const gone = new Set(perGroup[g]?.[2] ?? []);
      return group.filter((_, i) => !gone.has(i + 1));
    });
    await Promise.all([
      relayed,
      seen.length > 0 ? client.sadd(keys.users(), ...seen.map(String)) : undefined,
    ]);
    const byModel = (pick: 0 | 1): Map<number, number[]> =>
      new Map(
        models.map(({ version }, j) => [
          version,
          // Index j + 1: the all-users aggregate is the scripts' first model.
          groups.flatMap((group, g) =>
            (perGroup[g]?.[pick][j + 1] ?? []).flatMap((index) => group.slice(index - 1, index)),
          ),
        ]),
      );
    return { unassigned: byModel(0), duePlacements: byModel(1) };
  }

  /**
   * Puts users in clusters of a model version (see place-users.script): users without a cluster
   * join theirs with everything they rated so far, provisionally placed users move, users a
   * recluster assigned stay. Returns how many users joined or moved.
   */
  async placeUsers(
    model: ActiveModel,
    clusters: ReadonlyMap<number, number>,
    { provisional }: { provisional: boolean },
  ): Promise<number> {
    const { client, keys, config } = internalsOf(this.connection);
    const groups = chunksBySlot(config, [...clusters.keys()], (userId) => keys.userTag(userId));
    const payload = (group: number[]) =>
      JSON.stringify({
        v: model.version,
        fav2: model.favouriteMinRating * 2,
        provisional,
        clusters: group.map((userId) => clusters.get(userId)),
      });
    if (config.cluster) {
      const replies = (await Promise.all(
        groups.map((group) =>
          placeUsersToOutboxScript.run(
            client,
            group.flatMap((userId) => this.userKeys(userId, true)),
            [payload(group)],
          ),
        ),
      )) as [string[][], number][];
      await this.outboxes.relay(
        groups,
        replies.map(([outboxes]) => outboxes),
      );
      return replies.reduce((sum, [, changed]) => sum + changed, 0);
    }
    const clusterKeys = this.clusterKeys([model]);
    const counts = await Promise.all(
      groups.map((group) =>
        placeUsersScript.run(
          client,
          [...group.flatMap((userId) => this.userKeys(userId, false)), ...clusterKeys],
          [payload(group)],
        ),
      ),
    );
    return counts.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  /**
   * Joins the users a recluster read to their clusters of its new version, whose aggregates it
   * wrote from what it read (see join-users.script). `versions` are the users' state versions
   * as read. Returns, per user, whether their snapshot contribution is to be taken back out
   * (`compensate`): they changed since, or ingestion placed them meanwhile.
   */
  async joinClusters(
    model: ActiveModel,
    users: { userIds: ArrayLike<number>; clusters: Int32Array; versions: Float64Array },
    keep: readonly number[],
  ): Promise<Uint8Array> {
    const { client, keys, config } = internalsOf(this.connection);
    const rows = Array.from({ length: users.userIds.length }, (_, row) => row);
    const groups = chunksBySlot(config, rows, (row) => keys.userTag(users.userIds[row] ?? 0));
    const clusterKeys = this.clusterKeys([model]);
    const due = new Uint8Array(rows.length);
    await inFlight(groups, JOIN_CALLS_IN_FLIGHT, async (group) => {
      const payload = JSON.stringify({
        v: model.version,
        fav2: model.favouriteMinRating * 2,
        keep,
        users: group.map((row) => [users.clusters[row], users.versions[row]]),
      });
      const userIds = group.map((row) => users.userIds[row] ?? 0);
      let flags: number[];
      if (config.cluster) {
        const [outboxes, marks] = (await joinUsersToOutboxScript.run(
          client,
          userIds.flatMap((userId) => this.userKeys(userId, true)),
          [payload],
        )) as [string[][], number[]];
        await this.outboxes.relay([userIds], [outboxes]);
        flags = marks;
      } else {
        flags = (await joinUsersScript.run(
          client,
          [...userIds.flatMap((userId) => this.userKeys(userId, false)), ...clusterKeys],
          [payload],
        )) as number[];
      }
      group.forEach((row, i) => (due[row] = flags[i] ?? 0));
    });
    return due;
  }

  /**
   * Takes each given user's snapshot contribution out of the cluster the recluster's written
   * aggregates counted it in, once per user (see compensate-users in join-users.script).
   */
  async compensate(
    model: ActiveModel,
    users: readonly { userId: number; cluster: number; contribution: ContributionDeltas }[],
  ): Promise<void> {
    const { client, keys, config } = internalsOf(this.connection);
    const groups = chunksBySlot(config, users, (user) => keys.userTag(user.userId));
    const clusterKeys = this.clusterKeys([model]);
    await inFlight(groups, JOIN_CALLS_IN_FLIGHT, async (group) => {
      const payload = JSON.stringify({
        v: model.version,
        users: group.map(({ cluster, contribution }) => [cluster, contribution]),
      });
      if (config.cluster) {
        const outboxes = (await compensateUsersToOutboxScript.run(
          client,
          group.flatMap(({ userId }) => [keys.userMeta(userId), keys.userOutbox(userId)]),
          [payload],
        )) as string[][];
        await this.outboxes.relay([group.map(({ userId }) => userId)], [outboxes]);
        return;
      }
      await compensateUsersScript.run(
        client,
        [...group.map(({ userId }) => keys.userMeta(userId)), ...clusterKeys],
        [payload],
      );
    });
  }

  /**
   * Deletes everything stored of a user: ratings, explicit favourites, hidden movies, profile,
   * cluster fields, their place in the users and profiles sets, and their contribution to their
   * cluster of each given model and to the all-users aggregate (see delete-user.script). Events
   * of the user with a timestamp up to `deletedAt` (seconds, as event timestamps) are ignored from
   * then on, so replays of old events change nothing; a later event creates the user afresh.
   * Idempotent: a second call changes nothing (it can move the tombstone later). Resolves to
   * whether anything was deleted. Throws StaleModelsError, having written nothing, when the user
   * belongs to a newer model: the caller looks the models up again (UserDeletion does).
   */
  async deleteUser(
    userId: number,
    deletedAt: number,
    models: readonly ActiveModel[],
  ): Promise<boolean> {
    const { client, keys, config } = internalsOf(this.connection);
    const targets = [ALL_USERS, ...models];
    const payload = JSON.stringify({ models: targets.map(toScriptModel), deletedAt });
    const userKeys = [
      keys.userRatings(userId),
      keys.userExplicitFavourites(userId),
      keys.userMeta(userId),
      ...(config.cluster ? [keys.userOutbox(userId)] : []),
      keys.userProfile(userId),
      keys.userHidden(userId),
    ];
    // Before the script, never after: a user an event recreates between the two must stay in the
    // sets (a recluster reads the users set), while an id left there with nothing behind it,
    // by an older event applied between the two, is harmless.
    await Promise.all([
      client.srem(keys.users(), String(userId)),
      client.srem(keys.profiles(), String(userId)),
    ]);
    let changed: number;
    try {
      if (config.cluster) {
        const [outbox, deleted] = (await deleteUserToOutboxScript.run(client, userKeys, [
          payload,
        ])) as [string[], number];
        await this.outboxes.relay([[userId]], [[outbox]]);
        changed = deleted;
      } else {
        changed = (await deleteUserScript.run(
          client,
          [...userKeys, ...this.clusterKeys(targets)],
          [payload],
        )) as number;
      }
    } catch (error) {
      throw error instanceof Error && error.message.includes('STALE_MODELS')
        ? new StaleModelsError(error)
        : error;
    }
    return changed === 1;
  }

  /** Everything stored of one user, in one round trip. */
  async readUser(userId: number): Promise<StoredUser> {
    const { client, keys } = internalsOf(this.connection);
    const [meta, ratings, favourites, profile, hidden] = (await readUserScript.run(
      client,
      [
        keys.userMeta(userId),
        keys.userRatings(userId),
        keys.userExplicitFavourites(userId),
        keys.userProfile(userId),
        keys.userHidden(userId),
      ],
      [],
    )) as [string[], string, string, string[], string];
    return {
      clusters: clustersIn(meta),
      ratings: ratingsIn(ratings),
      explicitFavourites: favouritesIn(favourites),
      profile: profile.length === 0 ? undefined : toProfile(fieldsOf(profile)),
      hidden: new Set(hidden.length === 0 ? [] : hidden.split(',').map(Number)),
    };
  }

  /** Several users, concurrently (one round trip each, pipelined). */
  readUsers(userIds: readonly number[]): Promise<StoredUser[]> {
    return Promise.all(userIds.map((userId) => this.readUser(userId)));
  }

  /** The cluster of each given user in a version (users without one are left out). */
  async clustersOf(userIds: readonly number[], version: number): Promise<Map<number, number>> {
    const { client, keys } = internalsOf(this.connection);
    const field = keys.userMetaClusterField(version);
    const result = new Map<number, number>();
    for (let i = 0; i < userIds.length; i += 10_000) {
      const chunk = userIds.slice(i, i + 10_000);
      const clusters = await Promise.all(
        chunk.map((userId) => client.hget(keys.userMeta(userId), field)),
      );
      chunk.forEach((userId, j) => {
        const cluster = clusters[j];
        if (cluster !== null && cluster !== undefined) result.set(userId, Number(cluster));
      });
    }
    return result;
  }

  /** Every user who ever sent an event, ascending. */
  async userIds(): Promise<number[]> {
    const { client, keys } = internalsOf(this.connection);
    const members = await client.smembers(keys.users());
    return members.map(Number).sort((a, b) => a - b);
  }

  /** A user's keys in script order: ratings, explicit favourites, meta (and outbox). */
  private userKeys(userId: number, withOutbox: boolean): string[] {
    const { keys } = internalsOf(this.connection);
    const userKeys = [
      keys.userRatings(userId),
      keys.userExplicitFavourites(userId),
      keys.userMeta(userId),
    ];
    if (withOutbox) userKeys.push(keys.userOutbox(userId));
    return userKeys;
  }

  /** The keys the event scripts take per user: userKeys, then the hidden movies. */
  private eventKeys(userId: number, withOutbox: boolean): string[] {
    const { keys } = internalsOf(this.connection);
    return [...this.userKeys(userId, withOutbox), keys.userHidden(userId)];
  }

  /** Every cluster's aggregate keys (RedisKeys.clusterAggregateKeys) of the models, in order. */
  private clusterKeys(models: readonly ActiveModel[]): string[] {
    const { keys } = internalsOf(this.connection);
    return models.flatMap(({ version, clusters }) =>
      Array.from({ length: clusters }, (_, cluster) =>
        keys.clusterAggregateKeys(version, cluster),
      ).flat(),
    );
  }
}

/**
 * A user's contribution to a cluster, as the scripts take it: movieId -> [sum of ratings in half
 * stars, ratings, favourites].
 */
export type ContributionDeltas = Record<string, [sum2: number, count: number, favourite: number]>;

/** Script calls of a publish in flight at once. */
const JOIN_CALLS_IN_FLIGHT = 8;

/**
 * An event as the scripts take it: [kind, movieId, packed value, timestamp] (see lua-functions):
 * "r" a rating, "f" an explicit favourite added or removed, "h" a movie hidden from the user.
 */
type ScriptEvent = [kind: 'r' | 'f' | 'h', movieId: string, value: number, timestamp: number];

/** Hidden movies' kind codes: of two on the same second, disliked wins. */
const HIDDEN_CODE = { watched: 1, disliked: 2 } as const;

function toScriptEvent(event: IngestEvent): ScriptEvent {
  const movie = String(event.movieId);
  switch (event.kind) {
    case 'rating':
      return ['r', movie, encodeRating(event.rating, event.timestamp), event.timestamp];
    case 'favourite':
      return ['f', movie, encodeFavourite(event.timestamp, true), event.timestamp];
    case 'favourite-removed':
      return ['f', movie, encodeFavourite(event.timestamp, false), event.timestamp];
    case 'disliked':
    case 'watched':
      return ['h', movie, event.timestamp * 4 + HIDDEN_CODE[event.kind], event.timestamp];
    default: {
      const unknown: never = event;
      throw new Error(`unknown event kind in ${JSON.stringify(unknown)}`);
    }
  }
}

const toScriptModel = ({ version, clusters, favouriteMinRating }: ActiveModel) => ({
  v: version,
  k: clusters,
  fav2: favouriteMinRating * 2,
});

/** model version -> cluster, from a user's meta hash as a flat field, value list. */
function clustersIn(meta: readonly string[]): Map<number, UserCluster> {
  const fields = fieldsOf(meta);
  const clusters = new Map<number, UserCluster>();
  for (const [field, value] of Object.entries(fields)) {
    if (!field.startsWith('c:')) continue;
    const version = field.slice(2);
    clusters.set(Number(version), {
      cluster: Number(value),
      provisional: fields[`p:${version}`] !== undefined,
    });
  }
  return clusters;
}

/** A "movie,value,movie,value" list of ratings, decoded. */
function ratingsIn(joined: string): Map<number, StoredRating> {
  const ratings = new Map<number, StoredRating>();
  if (joined.length === 0) return ratings;
  const parts = joined.split(',');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    ratings.set(Number(parts[i]), decodeRating(Number(parts[i + 1])));
  }
  return ratings;
}

/** The movies of a "movie,value,..." list of explicit favourites that are added, not removed. */
function favouritesIn(joined: string): Set<number> {
  const favourites = new Set<number>();
  if (joined.length === 0) return favourites;
  const parts = joined.split(',');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (Number(parts[i + 1]) % 2 === 1) favourites.add(Number(parts[i]));
  }
  return favourites;
}
