import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { deadLetterTopic } from '@app/events';
import { IngestBatchHandler } from '@app/ingest';
import { CommittingConsumer, DeadLetterPublisher, ensureTopics } from '@app/kafka';
import { RatingsRepository } from '@app/store';
import { type IngestConfig } from './ingest.config';
import { INGEST_CONFIG, KAFKA } from './ingest.constants';
import { IngestMetrics } from './ingest.metrics';

/** Consumes the rating and favourite topics into Redis for as long as the app runs. */
@Injectable()
export class EventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventsConsumer.name);
  private readonly consumer: CommittingConsumer;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    repository: RatingsRepository,
    deadLetters: DeadLetterPublisher,
    metrics: IngestMetrics,
  ) {
    const topics = Object.values(config.kafka.topics);
    this.consumer = new CommittingConsumer(
      kafka,
      {
        groupId: config.groupId,
        topics,
        retryInitialMs: config.retryInitialMs,
        retryMaxMs: config.retryMaxMs,
        partitionsConcurrently: config.partitionsConcurrently,
        observer: metrics,
      },
      new IngestBatchHandler(config.kafka.topics, repository, deadLetters, metrics),
    );
  }

  /** True while this replica is a member of the consumer group. */
  get isJoined(): boolean {
    return this.consumer.isJoined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const topics = Object.values(this.config.kafka.topics);
    await ensureTopics(
      this.kafka,
      [...topics, ...topics.map(deadLetterTopic)],
      this.config.kafka.topicPartitions,
    );
    await this.consumer.start();
    this.logger.log(`consuming ${topics.join(', ')} as group ${this.config.groupId}`);
  }

  /** Runs first on SIGTERM: the batch in hand is committed before the connections close. */
  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
    this.logger.log('left the consumer group');
  }
}
