import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { repeatLimitedErrorLogger } from '@app/observability';
import { QuerySnapshotCache } from '@app/query';
import { isRedisUnavailable } from '@app/store';
import { PeriodicRefresh } from './periodic-refresh';
import { type QueryConfig } from './query.config';
import { QUERY_CONFIG } from './query.constants';

/** Keeps the model snapshot fresh: once at boot, then every refresh interval. */
@Injectable()
export class SnapshotRefresher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SnapshotRefresher.name);
  private readonly periodic: PeriodicRefresh;
  private lastVersion: number | undefined;
  private lastCandidate: number | undefined;
  private logged = false;
  private readonly warnFailed = repeatLimitedErrorLogger(this.logger, (error) =>
    isRedisUnavailable(error)
      ? `could not refresh the model snapshot, Redis (REDIS_URL) is unavailable: ${error.message}`
      : `could not refresh the model snapshot: ${error.message}`,
  );
  private readonly refreshes: Counter<'outcome'>;
  private readonly seconds: Histogram;

  constructor(
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
    private readonly snapshots: QuerySnapshotCache,
    registry: Registry,
  ) {
    this.periodic = new PeriodicRefresh(() => this.read(), config.refreshMs);
    this.refreshes = new Counter({
      name: 'recommender_snapshot_refreshes_total',
      help: 'Snapshot refreshes: "read" when events or a new model made one read Redis, "unchanged" when neither did, "failed"',
      labelNames: ['outcome'],
      registers: [registry],
    });
    for (const outcome of ['read', 'unchanged', 'failed']) this.refreshes.inc({ outcome }, 0);
    this.seconds = new Histogram({
      name: 'recommender_snapshot_refresh_seconds',
      help: 'Time a snapshot refresh that read Redis took, reads and rebuild',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    const { reads } = snapshots;
    new Counter({
      name: 'recommender_snapshot_cluster_reads_total',
      help: 'Clusters a refresh read: "whole" (first read, or too many changes), or only their "changes"',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ kind: 'whole' }, reads.whole);
        this.inc({ kind: 'changes' }, reads.changes);
      },
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.periodic.start();
  }

  onModuleDestroy(): void {
    this.periodic.stop();
  }

  /**
   * Never throws: a failed refresh keeps serving the last snapshot and is retried next time; the
   * same failure is logged at most every 30 s.
   */
  private async read(): Promise<void> {
    const before = this.snapshots.current;
    const started = performance.now();
    try {
      const snapshot = await this.snapshots.refresh();
      const read = snapshot !== before;
      this.refreshes.inc({ outcome: read ? 'read' : 'unchanged' });
      if (read) this.seconds.observe((performance.now() - started) / 1000);
      const { model } = snapshot;
      if (model?.version !== this.lastVersion || !this.logged) {
        this.lastVersion = model?.version;
        this.logged = true;
        this.logger.log(
          model === undefined
            ? 'no model yet: answering with the most popular movies until the first recluster'
            : `serving model ${model.version} (${model.clusterCount} clusters)`,
        );
      }
      const candidate = this.snapshots.candidate?.model;
      if (candidate?.version !== this.lastCandidate) {
        this.logger.log(
          candidate === undefined
            ? `no candidate model: answering every user from model ${model?.version ?? '-'}`
            : `answering ${this.config.variants.candidateShare * 100}% of users from candidate ` +
                `model ${candidate.version} (${candidate.clusterCount} clusters)`,
        );
        this.lastCandidate = candidate?.version;
      }
    } catch (error) {
      this.refreshes.inc({ outcome: 'failed' });
      this.warnFailed(error as Error);
    }
  }
}
