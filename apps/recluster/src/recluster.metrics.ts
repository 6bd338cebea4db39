import { Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type ReclusterOutcome } from '@app/recluster';
import { clusterSizesOf, type RatingsRepository } from '@app/store';

export type ReclusterKind = 'recluster' | 'rollback';

/** The reads the model gauges need. */
export type ModelHistoryReader = Pick<RatingsRepository, 'currentModelVersion' | 'modelHistory'>;

/**
 * The recluster series of docs/operations.md. Runs are counted and timed as this process makes
 * them; the current model's inertia and cluster sizes are read from its stored description at
 * each scrape, so every replica reports the model in use, whichever replica published it.
 */
export class ReclusterMetrics {
  private readonly logger = new Logger(ReclusterMetrics.name);
  private readonly duration: Histogram;
  private readonly published: Counter<'kind'>;
  private reading: Promise<Record<string, string> | undefined> | undefined;

  constructor(
    registry: Registry,
    private readonly repository: ModelHistoryReader,
  ) {
    const registers = [registry];
    this.duration = new Histogram({
      name: 'recommender_recluster_duration_seconds',
      help: 'Time of one re-clustering, from taking the lock to publishing the model',
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600],
      registers,
    });
    this.published = new Counter({
      name: 'recommender_models_published_total',
      help: 'Model versions published, by re-clustering or by rollback',
      labelNames: ['kind'],
      registers,
    });
    for (const kind of ['recluster', 'rollback'] as const) this.published.inc({ kind }, 0);
    const modelInfo = (): Promise<Record<string, string> | undefined> => this.currentModelInfo();
    new Gauge({
      name: 'recommender_model_inertia',
      help: 'k-means inertia of the current model',
      registers,
      async collect() {
        const inertia = Number((await modelInfo())?.inertia);
        if (Number.isFinite(inertia)) this.set(inertia);
      },
    });
    new Gauge({
      name: 'recommender_cluster_size',
      help: 'Users per cluster of the current model',
      labelNames: ['cluster'],
      registers,
      async collect() {
        const info = await modelInfo();
        const sizes = info === undefined ? undefined : clusterSizesOf(info);
        if (sizes === undefined) return;
        this.reset();
        for (const [cluster, size] of sizes.entries()) this.set({ cluster: String(cluster) }, size);
      },
    });
  }

  /** A run or rollback ended; only published models are counted and timed. */
  finished(kind: ReclusterKind, outcome: ReclusterOutcome): void {
    if (outcome.status !== 'published') return;
    this.published.inc({ kind });
    if (kind === 'recluster') this.duration.observe(outcome.seconds);
  }

  /**
   * The gauges of one scrape share one read. Never throws: while Redis is unreachable the gauges
   * keep their last values rather than fail the whole scrape.
   */
  private currentModelInfo(): Promise<Record<string, string> | undefined> {
    this.reading ??= this.readCurrentModelInfo()
      .catch((error: unknown) => {
        this.logger.debug(`could not read the current model: ${(error as Error).message}`);
        return undefined;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private async readCurrentModelInfo(): Promise<Record<string, string> | undefined> {
    const current = await this.repository.currentModelVersion();
    if (current === undefined) return undefined;
    const history = await this.repository.modelHistory();
    return history.find((entry) => entry.version === current)?.info;
  }
}
