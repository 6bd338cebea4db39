import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { Reclusterer, type ReclusterOutcome } from '@app/recluster';
import { RatingsRepository } from '@app/store';
import { type ReclusterConfig } from './recluster.config';
import { RECLUSTER_CONFIG } from './recluster.constants';
import { type ReclusterKind, ReclusterMetrics } from './recluster.metrics';

/**
 * How long SIGTERM waits for a run in progress. A longer run is abandoned, so the process still
 * exits within its 30 s: the lock expires by itself and the next run deletes what it left.
 */
const ABANDON_RUN_AFTER_MS = 20_000;

/**
 * Runs a recluster when the interval has passed or enough events arrived since the last one,
 * whichever comes first, and on demand. Runs never overlap in this process; across replicas the
 * Redis lock lets one run at a time and the others skip.
 */
@Injectable()
export class ReclusterScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReclusterScheduler.name);
  private readonly reclusterer: Reclusterer;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReclusterOutcome> | undefined;
  private lastRunAt = Date.now();

  constructor(
    @Inject(RECLUSTER_CONFIG) private readonly config: ReclusterConfig,
    private readonly repository: RatingsRepository,
    @Optional() private readonly metrics?: ReclusterMetrics,
  ) {
    this.reclusterer = new Reclusterer(repository, config.settings);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => {
        this.logger.error(`scheduled recluster failed: ${(error as Error).message}`);
      });
    }, this.config.pollMs);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    const running = this.running;
    if (running === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      running.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, ABANDON_RUN_AFTER_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) this.logger.warn('abandoning the recluster in progress to shut down in time');
  }

  /** Runs now, or joins the run already in progress in this process. */
  runNow(): Promise<ReclusterOutcome> {
    return this.exclusive('recluster', () => this.reclusterer.run());
  }

  rollback(): Promise<ReclusterOutcome> {
    return this.exclusive('rollback', () => this.reclusterer.rollback());
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    const due = Date.now() - this.lastRunAt >= this.config.intervalMs;
    const events = await this.repository.eventsSinceRecluster();
    if (!due && events < this.config.afterEvents) return;
    const outcome = await this.runNow();
    this.logger.log(`recluster (${due ? 'interval' : `${events} new events`}): ${outcome.status}`);
  }

  private exclusive(
    kind: ReclusterKind,
    work: () => Promise<ReclusterOutcome>,
  ): Promise<ReclusterOutcome> {
    if (this.running) return this.running;
    this.running = work()
      .then((outcome) => {
        this.metrics?.finished(kind, outcome);
        return outcome;
      })
      .finally(() => {
        this.lastRunAt = Date.now();
        this.running = undefined;
      });
    return this.running;
  }
}
