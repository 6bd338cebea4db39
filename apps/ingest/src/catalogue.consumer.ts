import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { CatalogueBatchHandler } from '@app/ingest';
import {
  BrokersUnreachableError,
  CommittingConsumer,
  createKafka,
  DeadLetterPublisher,
} from '@app/kafka';
import { repeatLimitedErrorLogger } from '@app/observability';
import { MovieCatalogueStore, RedisConnection } from '@app/store';
import { START_RETRY_MS, startWhenKafkaAnswers } from './consumer-start';
import { type IngestConfig } from './ingest.config';
import { INGEST_CONFIG, KAFKA } from './ingest.constants';

/** The catalogue's consumer group: its own, so catalogue and user events never share a batch. */
export const catalogueGroupId = (groupId: string): string => `${groupId}-catalogue`;

/**
 * Consumes the compacted movies topic into the catalogue in Redis for as long as the app runs,
 * from the beginning for a new group, so the catalogue is whole. Like the events consumer, it
 * starts after the HTTP server listens and keeps trying while Kafka cannot be reached.
 */
@Injectable()
export class CatalogueConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CatalogueConsumer.name);
  private readonly consumer: CommittingConsumer;
  private readonly stopping = new AbortController();
  private starting: Promise<void> | undefined;
  private readonly probe: Kafka;
  private readonly groupId: string;
  private readonly logStartError = repeatLimitedErrorLogger(
    this.logger,
    (error) =>
      `could not start consuming ${this.config.kafka.moviesTopic} (KAFKA_BROKERS=` +
      `${this.config.kafka.brokers.join(',')}): ${error.message}; trying again every ` +
      `${START_RETRY_MS / 1000} s`,
  );

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    catalogue: MovieCatalogueStore,
    connection: RedisConnection,
    deadLetters: DeadLetterPublisher,
  ) {
    this.probe = createKafka(config.kafka, { failFast: true });
    this.groupId = catalogueGroupId(config.groupId);
    this.consumer = new CommittingConsumer(
      kafka,
      {
        groupId: this.groupId,
        topics: [config.kafka.moviesTopic],
        retryInitialMs: config.retryInitialMs,
        retryMaxMs: config.retryMaxMs,
        sessionTimeoutMs: config.sessionTimeoutMs,
      },
      new CatalogueBatchHandler(catalogue, connection, deadLetters),
    );
  }

  /** Why the catalogue is not being consumed, or undefined when it is (see ingest.readiness). */
  notReady(): string | undefined {
    return this.consumer.isJoined ? undefined : `joining the consumer group ${this.groupId}`;
  }

  /** Starts consuming without holding up the HTTP server, which listens next. */
  onApplicationBootstrap(): void {
    this.starting = this.start();
  }

  /** The batch in hand is committed before the connections close. */
  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.starting;
    await this.consumer.stop();
  }

  private async start(): Promise<void> {
    const topic = this.config.kafka.moviesTopic;
    const started = await startWhenKafkaAnswers({
      kafka: this.kafka,
      probe: this.probe,
      config: this.config.kafka,
      topics: [topic],
      consumer: this.consumer,
      signal: this.stopping.signal,
      // Brokers that do not answer are the events consumer's to report, for the same
      // KAFKA_BROKERS: one line for the process, not one per consumer.
      failed: (error) => {
        if (error instanceof BrokersUnreachableError) this.logger.debug(error.message);
        else this.logStartError(error);
      },
    });
    if (started) this.logger.log(`consuming ${topic} into the catalogue as group ${this.groupId}`);
  }
}
