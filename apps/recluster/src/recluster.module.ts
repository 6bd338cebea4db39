import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  HealthController,
  MetricsController,
  ObservabilityModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@app/observability';
import { RatingsRepository } from '@app/store';
import { type ReclusterConfig } from './recluster.config';
import { RECLUSTER_CONFIG } from './recluster.constants';
import { ReclusterController } from './recluster.controller';
import { ReclusterMetrics } from './recluster.metrics';
import { ReclusterScheduler } from './recluster.scheduler';

/** The Redis connection closes last, after the scheduler let its run finish. */
class ConnectionCloser implements OnApplicationShutdown {
  constructor(private readonly repository: RatingsRepository) {}

  async onApplicationShutdown(): Promise<void> {
    await this.repository.close();
  }
}

@Module({})
export class ReclusterModule {
  static forRoot(config: ReclusterConfig): DynamicModule {
    return {
      module: ReclusterModule,
      imports: [ObservabilityModule.forRoot()],
      controllers: [ReclusterController, HealthController, MetricsController],
      providers: [
        { provide: RECLUSTER_CONFIG, useValue: config },
        { provide: RatingsRepository, useFactory: () => new RatingsRepository(config.redis) },
        {
          provide: ConnectionCloser,
          useFactory: (repository: RatingsRepository) => new ConnectionCloser(repository),
          inject: [RatingsRepository],
        },
        {
          provide: ReclusterMetrics,
          useFactory: (registry: Registry, repository: RatingsRepository) =>
            new ReclusterMetrics(registry, repository),
          inject: [Registry, RatingsRepository],
        },
        ReclusterScheduler,
        {
          provide: READINESS_CHECKS,
          useFactory: (repository: RatingsRepository) =>
            [{ name: 'redis', check: () => repository.ping() }] satisfies ReadinessCheck[],
          inject: [RatingsRepository],
        },
      ],
    };
  }
}
