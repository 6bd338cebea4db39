import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Kafka } from 'kafkajs';
import { createKafka, DeadLetterPublisher } from '@app/kafka';
import { RatingsRepository } from '@app/store';
import { EventsConsumer } from './events.consumer';
import { type IngestConfig } from './ingest.config';
import { INGEST_CONFIG, KAFKA } from './ingest.constants';

/** Connections close last, after the consumer has committed its final batch. */
class ConnectionsCloser implements OnApplicationShutdown {
  constructor(
    private readonly repository: RatingsRepository,
    private readonly deadLetters: DeadLetterPublisher,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.deadLetters.close(), this.repository.close()]);
  }
}

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig): DynamicModule {
    return {
      module: IngestModule,
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: KAFKA, useFactory: () => createKafka(config.kafka) },
        { provide: RatingsRepository, useFactory: () => new RatingsRepository(config.redis) },
        {
          provide: DeadLetterPublisher,
          useFactory: (kafka: Kafka) => new DeadLetterPublisher(kafka),
          inject: [KAFKA],
        },
        {
          provide: ConnectionsCloser,
          useFactory: (repository: RatingsRepository, deadLetters: DeadLetterPublisher) =>
            new ConnectionsCloser(repository, deadLetters),
          inject: [RatingsRepository, DeadLetterPublisher],
        },
        EventsConsumer,
      ],
    };
  }
}
