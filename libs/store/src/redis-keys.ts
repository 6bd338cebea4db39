/**
 * Every Redis key this project uses is built here and nowhere else; only libs/store sees them.
 *
 * Keys carry hash tags so that each Lua script touches one slot on Redis Cluster:
 * - `{u:<userId>}` groups one user's ratings, explicit favourites, hidden movies, profile,
 *   metadata and outbox;
 * - `{c:<version>:<cluster>}` groups one cluster's aggregates in one model version (version 0,
 *   cluster 0 is the all-users aggregate, kept whatever models exist);
 * - `{m:<version>}` groups a model version's description, centres, demographics and ALS factors;
 * - `{model}` groups the model pointers, the lock, the schedule and the pin;
 * - `{catalogue}` groups the movie catalogue and its version.
 */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  userTag(userId: number): string {
    return `{u:${userId}}`;
  }

  /** Hash movieId -> timestamp * 16 + rating in half stars: the latest rating (see lua-functions). */
  userRatings(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:ratings`;
  }

  /**
   * Hash movieId -> timestamp * 2 + 1 (added) or timestamp * 2 (removed): explicit favourites;
   * favourites by rating are derived.
   */
  userExplicitFavourites(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:favs`;
  }

  /**
   * Hash: `seq` (outbox sequence), `c:<version>` (the user's cluster in that model version) and,
   * for a provisional placement, `p:<version>` (the user's rating count when placed); `v`
   * (state version), `j:<version>` (recluster join marks) and, once the user was deleted,
   * `deletedAt` (events up to it are ignored; see delete-user.script).
   */
  userMeta(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:meta`;
  }

  /**
   * Hash movieId -> timestamp * 4 + 1 (watched) or + 2 (disliked), the latest: movies the user
   * said they watched or do not want, kept out of their lists (see lua-functions).
   */
  userHidden(userId: number): string {
    return `${this.prefix}:${this.userTag(userId)}:hidden`;
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

  /**
   * String: the candidate version, built with other settings beside the current one: ingestion
   * keeps its aggregates too, and the query service answers a share of users from it.
   */
  candidateModel(): string {
    return this.model('candidate');
  }

  /**
   * Counter handing out model versions, one per claimed recluster run: a version is also its
   * run's fencing token.
   */
  versionCounter(): string {
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

  /** Hash: `lastStartedAt` (ms, Redis clock) and `lastVersion` of the last claimed run. */
  reclusterSchedule(): string {
    return this.model('schedule');
  }

  /** Hash: the version a rollback pinned, `since`, `until` (ms; absent: until resumed), `reason`. */
  modelPin(): string {
    return this.model('pin');
  }

  /** Counter of events ingested since the last recluster started. */
  eventsSinceRecluster(): string {
    return this.model('events-since-recluster');
  }

  /** Hash: `events` and `deadLettered`, every event ingested or dead-lettered since the start. */
  ingestTotals(): string {
    return `${this.prefix}:ingest-totals`;
  }

  /** Hash movieId -> the movie's catalogue entry, JSON (see movie-catalogue.store.ts). */
  catalogueMovies(): string {
    return `${this.prefix}:{catalogue}:movies`;
  }

  /** Counter raised by every write that changed the catalogue: readers re-read it on a change. */
  catalogueVersion(): string {
    return `${this.prefix}:{catalogue}:version`;
  }

  /** A model version's own keys share a slot, so they are deleted in one command. */
  private modelTag(version: number): string {
    return `{m:${version}}`;
  }

  /** String: the model's description, JSON (see model-description.ts). */
  modelDescription(version: number): string {
    return `${this.prefix}:${this.modelTag(version)}:description`;
  }

  /** String: the model's centres, float32 little-endian, cluster-major (k x movies). */
  modelCentroids(version: number): string {
    return `${this.prefix}:${this.modelTag(version)}:centroids`;
  }

  /** String: the movie id of each centre column, float64 little-endian (exact ids to 2^53). */
  modelMovies(version: number): string {
    return `${this.prefix}:${this.modelTag(version)}:movies`;
  }

  /** String: the model's demographic clusters for cold-start users, JSON. */
  modelDemographics(version: number): string {
    return `${this.prefix}:${this.modelTag(version)}:demographics`;
  }

  /**
   * Hash: the model's ALS movie factors, biases and global mean, binary, in chunks (see
   * als-factors.encoding.ts); only for a model trained with ALS.
   */
  modelAlsFactors(version: number): string {
    return `${this.prefix}:${this.modelTag(version)}:als`;
  }

  /**
   * Hash: the model's item neighbourhoods, binary, in chunks (see item-neighbours.encoding.ts);
   * only for a model built with them.
   */
  modelItemNeighbours(version: number): string {
    return `${this.prefix}:${this.modelTag(version)}:knn`;
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

  /**
   * Stream of the movies whose aggregates changed, one entry per script call with IDs 0-1,
   * 0-2, ... (capped; see the change scripts): readers re-read only those movies.
   */
  clusterChanges(version: number, cluster: number): string {
    return `${this.prefix}:${this.clusterTag(version, cluster)}:changes`;
  }

  /** The keys a script changing a cluster's aggregates takes, in the order the scripts read. */
  clusterAggregateKeys(version: number, cluster: number): string[] {
    return [
      this.clusterFavourites(version, cluster),
      this.clusterRatingSums(version, cluster),
      this.clusterRatingCounts(version, cluster),
      this.clusterChanges(version, cluster),
    ];
  }

  userMetaClusterField(version: number): string {
    return `c:${version}`;
  }

  /** Every key of a model version: its own and its clusters' (`clusters` of them). */
  modelVersionKeys(version: number, clusters: number): string[] {
    return [
      this.modelDescription(version),
      this.modelCentroids(version),
      this.modelMovies(version),
      this.modelDemographics(version),
      this.modelAlsFactors(version),
      this.modelItemNeighbours(version),
      ...Array.from({ length: clusters }, (_, c) => [
        this.clusterFavourites(version, c),
        this.clusterRatingSums(version, c),
        this.clusterRatingCounts(version, c),
        this.clusterApplied(version, c),
        this.clusterChanges(version, c),
      ]).flat(),
    ];
  }
}
