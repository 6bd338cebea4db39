import { type ShrinkageSettings } from '@app/recommend';
import { type RatingsRepository, type StoredModel } from '@app/store';
import { ModelSnapshot } from './model-snapshot';

/**
 * The snapshot of the current model that requests are answered from. Cluster aggregates change
 * with every ingested event; reading them per request would cost a round trip per cluster, so
 * they are re-read every refresh interval when events were ingested or the model switched, and
 * requests stay in memory but for the one command that reads the user.
 */
export class ModelSnapshotCache {
  private snapshot: ModelSnapshot | undefined;
  /** A version's centres and description never change, so they are read once per version. */
  private model: StoredModel | undefined;
  private refreshing: Promise<ModelSnapshot | undefined> | undefined;
  /** Model version and ingested-event count the snapshot was read at: unchanged, no re-read. */
  private loadedMarker: string | undefined;

  constructor(
    private readonly repository: RatingsRepository,
    private readonly settings: ShrinkageSettings,
  ) {}

  /** The latest snapshot; undefined before the first model was published. */
  get current(): ModelSnapshot | undefined {
    return this.snapshot;
  }

  /** Re-reads the current model; concurrent calls share one read. */
  refresh(): Promise<ModelSnapshot | undefined> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<ModelSnapshot | undefined> {
    // Read before the aggregates: ingestion counts a batch only after its writes landed, so
    // aggregates read after this count hold at least what it counts.
    const [version, totals] = await Promise.all([
      this.repository.currentModelVersion(),
      this.repository.ingestTotals(),
    ]);
    if (version === undefined) return (this.snapshot = undefined);
    const marker = `${version}:${totals.events}`;
    if (marker === this.loadedMarker) return this.snapshot;
    if (this.model?.version !== version) this.model = await this.repository.loadModel(version);
    const model = this.model;
    if (model === undefined) return this.snapshot;
    // One cluster at a time: decoding a cluster's replies is a slice of work between requests,
    // not one long stall.
    const clusters = [];
    for (let c = 0; c < model.clusters; c++) {
      clusters.push(await this.repository.getClusterAggregates(version, c));
    }
    this.snapshot = new ModelSnapshot(model, clusters, this.settings);
    this.loadedMarker = marker;
    return this.snapshot;
  }
}
