import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Reclusterer, type ReclusterOutcome } from '@app/recluster';
import { RatingsRepository } from '@app/store';
import { type ReclusterConfig } from './recluster.config';
import { RECLUSTER_CONFIG } from './recluster.constants';

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
    await this.running?.catch(() => undefined);
  }

  /** Runs now, or joins the run already in progress in this process. */
  runNow(): Promise<ReclusterOutcome> {
    return this.exclusive(() => this.reclusterer.run());
  }

  rollback(): Promise<ReclusterOutcome> {
    return this.exclusive(() => this.reclusterer.rollback());
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    const due = Date.now() - this.lastRunAt >= this.config.intervalMs;
    const events = await this.repository.eventsSinceRecluster();
    if (!due && events < this.config.afterEvents) return;
    const outcome = await this.runNow();
    this.logger.log(`recluster (${due ? 'interval' : `${events} new events`}): ${outcome.status}`);
  }

  private exclusive(work: () => Promise<ReclusterOutcome>): Promise<ReclusterOutcome> {
    if (this.running) return this.running;
    this.running = work().finally(() => {
      this.lastRunAt = Date.now();
      this.running = undefined;
    });
    return this.running;
  }
}
