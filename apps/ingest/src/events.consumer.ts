import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { IngestBatchHandler } from '@app/ingest';
import {
  CommittingConsumer,
  createKafka,
  DeadLetterPublisher,
  type StalledPartition,
} from '@app/kafka';
import { repeatLimitedErrorLogger } from '@app/observability';
import { IngestCounters, ModelStore, RedisConnection, UserEventStore } from '@app/store';
import { START_RETRY_MS, startWhenKafkaAnswers } from './consumer-start';
import { type IngestConfig } from './ingest.config';
import { INGEST_CONFIG, KAFKA } from './ingest.constants';
import { IngestMetrics } from './ingest.metrics';

/**
 * Consumes the rating, favourite and feedback topics into Redis for as long as the app runs. It
 * starts after the HTTP server listens, and keeps trying while Kafka cannot be reached: liveness
 * answers throughout, readiness says what ingestion waits for.
 */
@Injectable()
export class EventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventsConsumer.name);
  private readonly consumer: CommittingConsumer;
  private readonly stopping = new AbortController();
  private starting: Promise<void> | undefined;
  private readonly probe: Kafka;
  private startError: string | undefined;
  /** A broker down for an hour is a line every 30 s, not one per attempt. */
  private readonly logStartError = repeatLimitedErrorLogger(
    this.logger,
    (error) =>
      `${this.waitingForKafka(error.message)}; trying again every ${START_RETRY_MS / 1000} s`,
  );

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    users: UserEventStore,
    models: ModelStore,
    counters: IngestCounters,
    connection: RedisConnection,
    deadLetters: DeadLetterPublisher,
    metrics: IngestMetrics,
  ) {
    this.probe = createKafka(config.kafka, { failFast: true });
    const topics = Object.values(config.kafka.topics);
    this.consumer = new CommittingConsumer(
      kafka,
      {
        groupId: config.groupId,
        topics,
        retryInitialMs: config.retryInitialMs,
        retryMaxMs: config.retryMaxMs,
        partitionsConcurrently: config.partitionsConcurrently,
        sessionTimeoutMs: config.sessionTimeoutMs,
        observer: metrics,
      },
      new IngestBatchHandler(
        config.kafka.topics,
        { users, models, counters, connection },
        deadLetters,
        metrics,
      ),
    );
  }

  /**
   * Why ingestion is not ready, or undefined when it is: waiting for Kafka, joining the group,
   * or partitions that have made no progress for INGEST_STALL_MS.
   */
  notReady(): string | undefined {
    if (!this.consumer.isJoined) {
      return this.startError === undefined
        ? `joining the consumer group ${this.config.groupId} (${this.brokers()})`
        : this.waitingForKafka(this.startError);
    }
    const stalled = this.consumer.stalled(this.config.stallMs);
    return stalled.length === 0 ? undefined : describeStalled(stalled);
  }

  /** Starts consuming without holding up the HTTP server, which listens next. */
  onApplicationBootstrap(): void {
    this.starting = this.start();
  }

  /** Runs first on SIGTERM: the batch in hand is committed before the connections close. */
  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.starting;
    await this.consumer.stop();
    this.logger.log('left the consumer group');
  }

  private brokers(): string {
    return `KAFKA_BROKERS=${this.config.kafka.brokers.join(',')}`;
  }

  private waitingForKafka(reason: string): string {
    return `waiting for Kafka (${this.brokers()}): ${reason}`;
  }

  private async start(): Promise<void> {
    const topics = Object.values(this.config.kafka.topics);
    const started = await startWhenKafkaAnswers({
      kafka: this.kafka,
      probe: this.probe,
      config: this.config.kafka,
      topics,
      consumer: this.consumer,
      signal: this.stopping.signal,
      failed: (error) => {
        this.startError = error.message;
        this.logStartError(error);
      },
    });
    if (!started) return;
    this.startError = undefined;
    this.logger.log(`consuming ${topics.join(', ')} as group ${this.config.groupId}`);
  }
}

function describeStalled(stalled: readonly StalledPartition[]): string {
  return (
    'no progress on ' +
    stalled
      .map(
        ({ topic, partition, since, error }) =>
          `${topic}[${partition}] since ${since.toISOString()}${error === undefined ? '' : ` (${error})`}`,
      )
      .join(', ')
  );
}
