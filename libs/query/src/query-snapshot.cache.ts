import { type ShrinkageSettings } from '@app/recommend';
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

/**
 * The snapshot requests are answered from. Aggregates change with every ingested event; reading
 * them per request would cost a round trip per cluster, so they are re-read every refresh
 * interval when events were ingested or the model switched, and requests stay in memory but for
 * the one command that reads the user.
 */
export class QuerySnapshotCache {
  private snapshot: QuerySnapshot | undefined;
  /** A version's centres and description never change, so they are read once per version. */
  private model: StoredModel | undefined;
  private refreshing: Promise<QuerySnapshot> | undefined;
  /** Model version and ingested-event count the snapshot was read at: unchanged, no re-read. */
  private loadedMarker: string | undefined;

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
    const { models, aggregates, counters } = this.stores;
    // Read before the aggregates: ingestion counts a batch only after its writes landed, so
    // aggregates read after this count hold at least what it counts.
    const [version, totals] = await Promise.all([models.currentVersion(), counters.totals()]);
    const marker = `${version ?? '-'}:${totals.events}`;
    if (this.snapshot !== undefined && marker === this.loadedMarker) return this.snapshot;
    if (version !== undefined && this.model?.description.version !== version) {
      this.model = await models.load(version);
    }
    const model = version === undefined ? undefined : this.model;
    const allUsers = await aggregates.readAllUsers();
    // One cluster at a time: decoding a cluster's replies is a slice of work between requests,
    // not one long stall.
    const clusters = [];
    if (model !== undefined) {
      for (let c = 0; c < model.description.clusters; c++) {
        clusters.push(await aggregates.read(model.description.version, c));
      }
    }
    this.snapshot = new QuerySnapshot(
      allUsers,
      model === undefined ? undefined : { stored: model, clusters },
      this.shrinkage,
    );
    this.loadedMarker = marker;
    return this.snapshot;
  }
}
