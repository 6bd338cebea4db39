/**
 * Every Redis key this project uses is built here and nowhere else.
 *
 * Keys carry hash tags so that each Lua script touches one slot on Redis Cluster:
 * - `{u:<userId>}` groups one user's ratings, explicit favourites, metadata and outbox;
 * - `{c:<version>:<cluster>}` groups one cluster's aggregates in one model version.
 */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  userTag(userId: number): string {
    return `{u:${userId}}`;
  }

  /** Hash movieId -> "<rating*2>:<timestamp>", the latest rating by timestamp. */
  userRatings(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:ratings`;
  }

  /** Set of movieIds from favourite-added events (favourites by rating are derived on read). */
  userExplicitFavourites(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:favs`;
  }

  /** Hash: `seq` (outbox sequence) and `c:<version>` (the user's cluster in that model version). */
  userMeta(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:meta`;
  }

  /** List of cluster deltas not yet acknowledged as applied (see apply-user-events.script). */
  userOutbox(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:outbox`;
  }

  /** Set of every userId ever seen. */
  users(): string {
    return `${this.prefix}:users`;
  }

  /** String: the model version queries and ingestion use now. */
  currentModel(): string {
    return `${this.prefix}:model:current`;
  }

  /** String: the number of clusters in a model version. */
  modelClusterCount(version: number): string {
    return `${this.prefix}:model:${version}:clusters`;
  }

  clusterTag(version: number, cluster: number): string {
    return `{c:${version}:${cluster}}`;
  }

  /** Sorted set movieId -> number of the cluster's users who favourite it. */
  clusterFavourites(version: number, cluster: number): string {
    return `${this.prefix}:${this.clusterTag(version, cluster)}:favs`;
  }

  /** Hash movieId -> sum of the cluster's ratings, in half stars (rating * 2), so sums stay exact. */
  clusterRatingSums(version: number, cluster: number): string {
    return `${this.prefix}:${this.clusterTag(version, cluster)}:sum2`;
  }

  /** Hash movieId -> number of the cluster's users who rated it. */
  clusterRatingCounts(version: number, cluster: number): string {
    return `${this.prefix}:${this.clusterTag(version, cluster)}:count`;
  }

  /** Hash userId -> highest outbox sequence applied to this cluster (makes replays no-ops). */
  clusterApplied(version: number, cluster: number): string {
    return `${this.prefix}:${this.clusterTag(version, cluster)}:applied`;
  }

  userMetaClusterField(version: number): string {
    return `c:${version}`;
  }
}
