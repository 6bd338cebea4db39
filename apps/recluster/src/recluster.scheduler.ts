import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { repeatLimitedErrorLogger } from '@app/observability';
import {
  type CandidateOverrides,
  Reclusterer,
  type ReclusterOutcome,
  type RollbackOptions,
} from '@app/recluster';
import { FencedOutError, isRedisUnavailable } from '@app/store';
import { type ReclusterConfig } from './recluster.config';
import { RECLUSTER_CONFIG } from './recluster.constants';
import { type ReclusterKind, ReclusterMetrics } from './recluster.metrics';

/**
 * How long SIGTERM waits for a run in progress. A longer run is abandoned, so the process still
 * exits within its 30 s: the lock expires by itself and the next run deletes what it left.
 */
const ABANDON_RUN_AFTER_MS = 20_000;

/**
 * Asks, every poll interval, whether a recluster is due for the deployment, and runs it if this
 * replica claims it: the schedule lives in Redis (see ReclusterSchedule), so however many
 * replicas poll, one run happens per interval (or once enough events arrived). Also runs on
 * demand, and builds, promotes or discards a candidate model on demand. Runs never overlap in
 * this process; across replicas the claim lets one run at a time.
 */
@Injectable()
export class ReclusterScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReclusterScheduler.name);
  /** Redis down: one line naming REDIS_URL, then the same at most every 30 s. */
  private readonly warnRedisUnavailable = repeatLimitedErrorLogger(
    this.logger,
    (error) => `scheduled recluster skipped, Redis (REDIS_URL) is unavailable: ${error.message}`,
  );
  private timer: NodeJS.Timeout | undefined;
  private running: { kind: ReclusterKind; outcome: Promise<ReclusterOutcome> } | undefined;

  constructor(
    @Inject(RECLUSTER_CONFIG) private readonly config: ReclusterConfig,
    private readonly reclusterer: Reclusterer,
    @Optional() private readonly metrics?: ReclusterMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.pollMs);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    const running = this.running?.outcome;
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
    return this.exclusive('recluster', () => this.reclusterer.run({ kind: 'now' }));
  }

  rollback(options: RollbackOptions = {}): Promise<ReclusterOutcome> {
    return this.exclusive('rollback', () => this.reclusterer.rollback(options));
  }

  candidate(overrides: CandidateOverrides): Promise<ReclusterOutcome> {
    return this.exclusive('candidate', () => this.reclusterer.candidate(overrides));
  }

  promote(): Promise<ReclusterOutcome> {
    return this.exclusive('promote', () => this.reclusterer.promote());
  }

  discard(): Promise<ReclusterOutcome> {
    return this.exclusive('discard', () => this.reclusterer.discard());
  }

  /** Never throws: a failed poll or run is logged, and the next poll tries again. */
  private async tick(): Promise<void> {
    if (this.running) return;
    const { intervalMs, afterEvents } = this.config;
    try {
      const outcome = await this.exclusive('recluster', () =>
        this.reclusterer.run({ kind: 'due', intervalMs, afterEvents }),
      );
      if (outcome.status === 'published') {
        this.logger.log(`scheduled recluster (${outcome.reason}): published ${outcome.version}`);
      }
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof FencedOutError) {
        this.logger.warn(`scheduled recluster gave way to a newer run: ${message}`);
      } else if (isRedisUnavailable(error)) {
        this.warnRedisUnavailable(error as Error);
      } else {
        this.logger.error(`scheduled recluster failed: ${message}`);
      }
    }
  }

  /**
   * Runs `work` alone in this process: a recluster request while a recluster is in progress
   * joins it (two requests for the same thing share one run); any other request waits for the
   * run in progress to end, as its arguments (a candidate's settings, a rollback's pin) may
   * differ from the running one's.
   */
  private exclusive(
    kind: ReclusterKind,
    work: () => Promise<ReclusterOutcome>,
  ): Promise<ReclusterOutcome> {
    const before = this.running;
    if (kind === 'recluster' && before?.kind === kind) return before.outcome;
    const outcome = (before?.outcome ?? Promise.resolve())
      .catch(() => undefined)
      .then(work)
      .then((done) => {
        this.metrics?.finished(kind, done);
        return done;
      })
      .finally(() => {
        if (this.running?.outcome === outcome) this.running = undefined;
      });
    this.running = { kind, outcome };
    return outcome;
  }
}
