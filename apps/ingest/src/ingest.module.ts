import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { type Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { createKafka, DeadLetterPublisher } from '@app/kafka';
import {
  HealthController,
  MetricsController,
  ObservabilityModule,
  READINESS_CHECKS,
  redisErrorLogger,
} from '@app/observability';
import {
  IngestCounters,
  ModelStore,
  MovieCatalogueStore,
  RedisConnection,
  storeProviders,
  UserEventStore,
} from '@app/store';
import { CatalogueConsumer } from './catalogue.consumer';
import { EventsConsumer } from './events.consumer';
import { type IngestConfig } from './ingest.config';
import { INGEST_CONFIG, KAFKA } from './ingest.constants';
import { IngestMetrics } from './ingest.metrics';
import { ingestReadinessChecks } from './ingest.readiness';

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig): DynamicModule {
    return {
      module: IngestModule,
      imports: [ObservabilityModule.forRoot()],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: KAFKA, useFactory: () => createKafka(config.kafka) },
        ...storeProviders(
          config.redis,
          [UserEventStore, ModelStore, IngestCounters, MovieCatalogueStore],
          {
            onError: redisErrorLogger(new Logger(IngestModule.name)),
          },
        ),
        {
          provide: DeadLetterPublisher,
          useFactory: (kafka: Kafka) => new DeadLetterPublisher(kafka),
          inject: [KAFKA],
        },
        {
          provide: IngestMetrics,
          useFactory: (registry: Registry) =>
            new IngestMetrics(registry, Object.values(config.kafka.topics)),
          inject: [Registry],
        },
        EventsConsumer,
        CatalogueConsumer,
        {
          provide: READINESS_CHECKS,
          useFactory: ingestReadinessChecks,
          inject: [EventsConsumer, CatalogueConsumer, RedisConnection],
        },
      ],
    };
  }
}
