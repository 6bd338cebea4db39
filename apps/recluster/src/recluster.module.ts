import { type DynamicModule, Module } from '@nestjs/common';
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
