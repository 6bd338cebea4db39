import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { accessProviders, ERROR_MAPPING } from '@app/http';
import {
  HealthController,
  MetricsController,
  ObservabilityModule,
  READINESS_CHECKS,
  type ReadinessCheck,
  redisErrorLogger,
} from '@app/observability';
import { Reclusterer, reclusterStoresOn } from '@app/recluster';
import { ModelStore, RedisConnection, ReclusterSchedule, storeProviders } from '@app/store';
import { reclusterErrorAnswer } from './recluster-error.mapping';
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
        ...accessProviders(config.access),
        ...storeProviders(config.redis, [ReclusterSchedule, ModelStore], {
          onError: redisErrorLogger(new Logger(ReclusterModule.name)),
        }),
        {
          provide: Reclusterer,
          useFactory: (connection: RedisConnection) =>
            new Reclusterer(reclusterStoresOn(connection), config.settings),
          inject: [RedisConnection],
        },
        {
          provide: ReclusterMetrics,
          useFactory: (registry: Registry, models: ModelStore, schedule: ReclusterSchedule) =>
            new ReclusterMetrics(registry, { models, schedule }),
          inject: [Registry, ModelStore, ReclusterSchedule],
        },
        ReclusterScheduler,
        { provide: ERROR_MAPPING, useValue: reclusterErrorAnswer },
        {
          provide: READINESS_CHECKS,
          useFactory: (connection: RedisConnection) =>
            [{ name: 'redis', check: () => connection.ping() }] satisfies ReadinessCheck[],
          inject: [RedisConnection],
        },
      ],
    };
  }
}
