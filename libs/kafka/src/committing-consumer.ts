import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage } from 'kafkajs';

export interface MessageBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

export interface BatchHandler {
  /** Must be idempotent: a batch is handled again after any failure before its commit. */
  handle(batch: MessageBatch): Promise<void>;
}

export interface CommittingConsumerOptions {
  groupId: string;
  topics: readonly string[];
  retryInitialMs: number;
  retryMaxMs: number;
  /** Upper bound on bytes fetched per partition; bounds one batch's size. */
  maxBytesPerPartition?: number;
  /**
   * Batches of different partitions handled at once, so decoding one batch overlaps another's
   * Redis round trip. Order within a partition is kept.
   */
  partitionsConcurrently?: number;
}

/**
 * A kafkajs consumer with at-least-once semantics: a batch's offsets are committed only after the
 * handler resolved, so a crash replays the batch. While the handler fails (Redis down, say) the
 * batch is retried with exponential backoff, heartbeating so the group keeps the partition, and
 * nothing after it is consumed.
 */
export class CommittingConsumer {
  private readonly logger = new Logger(CommittingConsumer.name);
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: CommittingConsumerOptions,
    private readonly handler: BatchHandler,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxWaitTimeInMs: 200,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(consumer, payload),
    });
  }

  /** Stops fetching, lets the batch in hand finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const last = batch.messages.at(-1);
    if (last === undefined) return;

    let delay = this.options.retryInitialMs;
    for (let attempt = 1; ; attempt++) {
      if (!payload.isRunning() || payload.isStale()) return;
      try {
        await this.handler.handle({
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages,
        });
        break;
      } catch (error) {
        this.logger.warn(
          `${batch.topic}[${batch.partition}] batch at offset ${batch.firstOffset() ?? '?'} failed ` +
            `(attempt ${attempt}), retrying in ${delay} ms: ${(error as Error).message}`,
        );
        await sleep(delay);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
        // Keeps the partition assigned to us while we wait; if the group is rebalancing the
        // batch is left uncommitted for the next owner.
        try {
          await payload.heartbeat();
        } catch (heartbeatError) {
          this.logger.warn(
            `heartbeat failed, leaving the batch: ${(heartbeatError as Error).message}`,
          );
          return;
        }
      }
    }

    payload.resolveOffset(last.offset);
    await consumer.commitOffsets([
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: (BigInt(last.offset) + 1n).toString(),
      },
    ]);
  }
}
