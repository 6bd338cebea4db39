import { Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type ReclusterOutcome } from '@app/recluster';
import {
  type ModelDescription,
  type ModelPin,
  type ModelStore,
  type ReclusterSchedule,
} from '@app/store';

/** What a model was published by: a run, a rollback, or work on the candidate. */
export const RECLUSTER_KINDS = [
  'recluster',
  'rollback',
  'candidate',
  'promote',
  'discard',
] as const;

export type ReclusterKind = (typeof RECLUSTER_KINDS)[number];

/** The reads the model gauges need. */
export interface ModelStateReader {
  models: Pick<ModelStore, 'currentVersion' | 'describe'>;
  schedule: Pick<ReclusterSchedule, 'pin'>;
}

interface ModelState {
  description: ModelDescription | undefined;
  pin: ModelPin | undefined;
}

/**
 * The recluster series of docs/operations.md. Runs are counted and timed as this process makes
 * them; the current model's inertia and cluster sizes are read from its stored description at
 * each scrape, and so is the pin a rollback set, so every replica reports the deployment's state,
 * whichever replica published the model.
 */
export class ReclusterMetrics {
  private readonly logger = new Logger(ReclusterMetrics.name);
  private readonly duration: Histogram;
  private readonly published: Counter<'kind'>;
  private reading: Promise<ModelState | undefined> | undefined;

  constructor(
    registry: Registry,
    private readonly reader: ModelStateReader,
  ) {
    const registers = [registry];
    this.duration = new Histogram({
      name: 'recommender_recluster_duration_seconds',
      help: 'Time of one re-clustering, from claiming the run to publishing the model',
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600],
      registers,
    });
    this.published = new Counter({
      name: 'recommender_models_published_total',
      help: 'Model versions published: by re-clustering, rollback, building a candidate, promoting it, or discarding it (the current model republished)',
      labelNames: ['kind'],
      registers,
    });
    for (const kind of RECLUSTER_KINDS) this.published.inc({ kind }, 0);
    const state = (): Promise<ModelState | undefined> => this.modelState();
    new Gauge({
      name: 'recommender_model_inertia',
      help: 'k-means inertia of the current model',
      registers,
      async collect() {
        const inertia = (await state())?.description?.inertia;
        if (inertia !== undefined) this.set(inertia);
      },
    });
    new Gauge({
      name: 'recommender_cluster_size',
      help: 'Users per cluster of the current model',
      labelNames: ['cluster'],
      registers,
      async collect() {
        const sizes = (await state())?.description?.sizes;
        if (sizes === undefined) return;
        this.reset();
        for (const [cluster, size] of sizes.entries()) this.set({ cluster: String(cluster) }, size);
      },
    });
    new Gauge({
      name: 'recommender_model_pinned',
      help: '1 while a rollback pins the model (scheduled runs paused), else 0',
      registers,
      async collect() {
        const read = await state();
        if (read !== undefined) this.set(read.pin === undefined ? 0 : 1);
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
  private modelState(): Promise<ModelState | undefined> {
    this.reading ??= this.readModelState()
      .catch((error: unknown) => {
        this.logger.debug(`could not read the current model: ${(error as Error).message}`);
        return undefined;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private async readModelState(): Promise<ModelState> {
    const [current, pin] = await Promise.all([
      this.reader.models.currentVersion(),
      this.reader.schedule.pin(),
    ]);
    const description =
      current === undefined ? undefined : await this.reader.models.describe(current);
    return { description, pin };
  }
}
