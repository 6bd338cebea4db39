import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check';

/** Under the probes' 3 s timeout, so a hung dependency answers 503 rather than no answer. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * Liveness says the process answers, nothing more: a dependency being down must not get the
 * process restarted. Readiness says its dependencies answer: 200, or 503 naming the ones that
 * do not.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check(
      this.checks.map((dependency) =>
        this.indicators
          .check(dependency.name)
          .attempt(() => dependency.check())
          .withTimeout(CHECK_TIMEOUT_MS),
      ),
    );
  }
}
