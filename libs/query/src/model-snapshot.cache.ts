import { type ShrinkageSettings } from '@app/recommend';
import { type RatingsRepository, type StoredModel } from '@app/store';
import { ModelSnapshot } from './model-snapshot';

/**
 * The snapshot of the current model that requests are answered from. Cluster aggregates change
 * with every ingested event; reading them per request would cost a round trip per cluster, so
 * they are re-read every refresh interval and on a model switch, and requests stay in memory
 * but for the one round trip that reads the user.
 */
export class ModelSnapshotCache {
  private snapshot: ModelSnapshot | undefined;
  /** A version's centres and description never change, so they are read once per version. */
  private model: StoredModel | undefined;
  private refreshing: Promise<ModelSnapshot | undefined> | undefined;

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
    const version = await this.repository.currentModelVersion();
    if (version === undefined) return (this.snapshot = undefined);
    if (this.model?.version !== version) this.model = await this.repository.loadModel(version);
    const model = this.model;
    if (model === undefined) return this.snapshot;
    const clusters = await Promise.all(
      Array.from({ length: model.clusters }, (_, c) =>
        this.repository.getClusterAggregates(version, c),
      ),
    );
    this.snapshot = new ModelSnapshot(model, clusters, this.settings, new Date());
    return this.snapshot;
  }
}
