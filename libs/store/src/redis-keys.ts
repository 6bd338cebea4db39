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

  /** Hash: the user's demographics (age, gender, occupation, zipPrefix), for cold start. */
  userProfile(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:profile`;
  }

  /** Set of the userIds that have a profile. */
  profiles(): string {
    return `${this.prefix}:profiles`;
  }

  /** Set of every userId ever seen. */
  users(): string {
    return `${this.prefix}:users`;
  }

  /**
   * Model bookkeeping shares the `{model}` hash tag, so the switch script (lock check, pointer
   * swap, version list) touches one slot.
   */
  private model(name: string): string {
    return `${this.prefix}:{model}:${name}`;
  }

  /** String: the model version queries and ingestion use now. */
  currentModel(): string {
    return this.model('current');
  }

  /** String: the version a recluster is building; ingestion keeps its aggregates too. */
  nextModel(): string {
    return this.model('next');
  }

  /** Counter handing out model versions. */
  modelSequence(): string {
    return this.model('sequence');
  }

  /** List of published versions, oldest first (the ones kept for rollback). */
  modelVersions(): string {
    return this.model('versions');
  }

  /** String: token of the recluster run holding the lock (expires). */
  reclusterLock(): string {
    return this.model('lock');
  }

  /** Counter of fencing tokens for the recluster lock. */
  reclusterFence(): string {
    return this.model('fence');
  }

  /** Counter of events ingested since the last recluster started. */
  eventsSinceRecluster(): string {
    return this.model('events-since-recluster');
  }

  /** Hash: `events` and `deadLettered`, every event ingested or dead-lettered since the start. */
  ingestTotals(): string {
    return `${this.prefix}:ingest-totals`;
  }

  /** Hash: a model's description (k, built at, users, inertia, ...). */
  modelInfo(version: number): string {
    return `${this.prefix}:model:${version}:info`;
  }

  /** String: the number of clusters in a model version. */
  modelClusterCount(version: number): string {
    return `${this.prefix}:model:${version}:clusters`;
  }

  /** String: the model's centres, float32 little-endian, cluster-major (k x movies). */
  modelCentroids(version: number): string {
    return `${this.prefix}:model:${version}:centroids`;
  }

  /** String: the movie id of each centre column, int32 little-endian. */
  modelMovies(version: number): string {
    return `${this.prefix}:model:${version}:movies`;
  }

  /** String: the model's demographic clusters for cold-start users, JSON. */
  modelDemographics(version: number): string {
    return `${this.prefix}:model:${version}:demographics`;
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
