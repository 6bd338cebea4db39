import { type ClusterAggregates, type ShrinkageSettings } from '@app/recommend';
import {
  type ClusterAggregatesStore,
  type IngestCounters,
  type ModelStore,
  type StoredModel,
} from '@app/store';
import { QuerySnapshot } from './query-snapshot';

/** What the snapshot is read from. */
export interface SnapshotStores {
  models: ModelStore;
  aggregates: ClusterAggregatesStore;
  counters: IngestCounters;
}

/** A cluster's aggregates as the cache holds them, and the change of its stream they include. */
interface HeldCluster {
  aggregates: ClusterAggregates & {
    favourites: Map<number, number>;
    ratingSums: Map<number, number>;
    ratingCounts: Map<number, number>;
  };
  change: number;
}

/** The clusters of one model version (version 0: the all-users aggregate), as last read. */
interface HeldVersion {
  version: number;
  clusters: HeldCluster[];
}

/**
 * The snapshot requests are answered from. Aggregates change with every ingested event, so they
 * are brought up to date every refresh interval when events were ingested or the model switched:
 * each cluster whole when first read, then only the movies its change stream names since
 * (ClusterAggregatesStore.readChanges), so a refresh reads from Redis in proportion to what
 * changed, not to the catalogue. Requests stay in memory but for the one command that reads the
 * user.
 */
export class QuerySnapshotCache {
  private snapshot: QuerySnapshot | undefined;
  /** A version's centres and description never change, so they are read once per version. */
  private model: StoredModel | undefined;
  private refreshing: Promise<QuerySnapshot> | undefined;
  /** Model version and ingested-event count the snapshot was read at: unchanged, no re-read. */
  private loadedMarker: string | undefined;
  private allUsers: HeldVersion | undefined;
  private clusters: HeldVersion | undefined;
  /** Clusters read whole and clusters brought up to date from their changes, since start. */
  readonly reads = { whole: 0, changes: 0 };

  constructor(
    private readonly stores: SnapshotStores,
    private readonly shrinkage: ShrinkageSettings,
  ) {}

  /** The latest snapshot; undefined until the first read succeeded. */
  get current(): QuerySnapshot | undefined {
    return this.snapshot;
  }

  /** Re-reads what changed; concurrent calls share one read. */
  refresh(): Promise<QuerySnapshot> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<QuerySnapshot> {
    const { models, counters } = this.stores;
    // Read before the aggregates: ingestion counts a batch only after its writes landed, so
    // aggregates read after this count hold at least what it counts.
    const [version, totals] = await Promise.all([models.currentVersion(), counters.totals()]);
    const marker = `${version ?? '-'}:${totals.events}`;
    if (this.snapshot !== undefined && marker === this.loadedMarker) return this.snapshot;
    if (version !== undefined && this.model?.description.version !== version) {
      this.model = await models.load(version);
    }
    const model = version === undefined ? undefined : this.model;
    this.allUsers = await this.follow(0, 1, this.allUsers);
    if (model !== undefined) {
      this.clusters = await this.follow(
        model.description.version,
        model.description.clusters,
        this.clusters,
      );
    }
    const [allUsers] = this.allUsers.clusters;
    if (allUsers === undefined) throw new Error('the all-users aggregate was not read');
    const snapshot = new QuerySnapshot(
      allUsers.aggregates,
      model === undefined || this.clusters === undefined
        ? undefined
        : { stored: model, clusters: this.clusters.clusters.map((held) => held.aggregates) },
      this.shrinkage,
    );
    await snapshot.warm();
    this.snapshot = snapshot;
    this.loadedMarker = marker;
    return this.snapshot;
  }

  /**
   * Brings a version's clusters up to date: from their changes when they were read before, else
   * whole. One cluster at a time: decoding a cluster's replies is a slice of work between
   * requests, not one long stall.
   */
  private async follow(
    version: number,
    clusters: number,
    held: HeldVersion | undefined,
  ): Promise<HeldVersion> {
    const { aggregates } = this.stores;
    const known = held?.version === version ? held.clusters : [];
    const next: HeldCluster[] = [];
    for (let cluster = 0; cluster < clusters; cluster++) {
      const before = known[cluster];
      const changes =
        before === undefined
          ? undefined
          : await aggregates.readChanges(version, cluster, before.change);
      if (before === undefined || changes === undefined) {
        const read = await aggregates.readAt(version, cluster);
        next.push(read as HeldCluster);
        this.reads.whole++;
        continue;
      }
      for (const { movieId, ratingSum, ratingCount, favourites } of changes.movies) {
        setOrDelete(before.aggregates.ratingSums, movieId, ratingCount > 0 ? ratingSum : 0);
        setOrDelete(before.aggregates.ratingCounts, movieId, ratingCount);
        setOrDelete(before.aggregates.favourites, movieId, favourites);
      }
      before.change = changes.change;
      next.push(before);
      this.reads.changes++;
    }
    return { version, clusters: next };
  }
}

function setOrDelete(values: Map<number, number>, movieId: number, value: number): void {
  if (value === 0) values.delete(movieId);
  else values.set(movieId, value);
}
