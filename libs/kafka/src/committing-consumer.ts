import { Logger } from '@nestjs/common';
import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
} from 'kafkajs';
import { fetchPartitionLags, type PartitionLag } from './consumer-group-lag';
import { OwnedPartitionLags } from './owned-partition-lags';

export interface MessageBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

export interface BatchHandler {
  /** Must be idempotent: a batch is handled again after any failure before its commit. */
  handle(batch: MessageBatch): Promise<void>;
}

/** Told what the consumer sees, for metrics; must not throw. */
export interface ConsumerObserver {
  /**
   * The lag of every partition this member owns, after each committed batch and each refresh
   * from the broker; an empty list once it owns none.
   */
  lagChanged(lags: readonly PartitionLag[]): void;
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
  /** How often the owned partitions' lag is read from the broker (default 15 s). */
  lagRefreshMs?: number;
  /**
   * How long the group waits for a member that stopped answering before its partitions go to
   * the others (default 30 s); heartbeats go at a third of it, at most every 3 s.
   */
  sessionTimeoutMs?: number;
  observer?: ConsumerObserver;
}

/** A partition that has made no progress for a while: its batch keeps failing, or hangs. */
export interface StalledPartition {
  topic: string;
  partition: number;
  /** Since when the partition's current batch has been failing or in hand. */
  since: Date;
  /** The last failure, if the batch failed. */
  error: string | undefined;
}

interface PartitionProgress {
  /** Since when the current batch is being handled, or undefined between batches. */
  busySince: number | undefined;
  /** Since when the partition's batch has been failing, or undefined while it succeeds. */
  failingSince: number | undefined;
  attempts: number;
  error: string | undefined;
}

/**
 * A kafkajs consumer with at-least-once semantics: a batch's offsets are committed only after the
 * handler resolved, so a crash replays the batch. While the handler fails (Redis down, say) the
 * batch's partition is paused and fetched again from the same offset after an exponential
 * backoff: nothing after the batch is consumed, and the other partitions go on (kafkajs waits
 * for every batch of a fetch before the next fetch, so a batch retried in place would stall them
 * all). A partition failing or hanging for long is reported by `stalled`.
 */
export class CommittingConsumer {
  private readonly logger = new Logger(CommittingConsumer.name);
  private consumer: Consumer | undefined;
  private stopping = new AbortController();
  private joined = false;
  private readonly lags = new OwnedPartitionLags();
  private lagTimer: NodeJS.Timeout | undefined;
  private admin: Promise<Admin> | undefined;
  /** The lag read in progress; stop() lets it finish, or its admin would outlive the consumer. */
  private refreshing: Promise<void> | undefined;
  private readonly progress = new Map<string, PartitionProgress>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: CommittingConsumerOptions,
    private readonly handler: BatchHandler,
  ) {}

  /** True while this member belongs to the group with its partitions assigned. */
  get isJoined(): boolean {
    return this.joined;
  }

  /** Partitions whose batch has been failing, or in hand, for at least `forMs`. */
  stalled(forMs: number, now = Date.now()): StalledPartition[] {
    const stalled: StalledPartition[] = [];
    for (const [key, p] of this.progress) {
      const since = Math.min(p.failingSince ?? Infinity, p.busySince ?? Infinity);
      if (now - since < forMs) continue;
      const [topic = '', partition = '0'] = key.split('\u0000');
      stalled.push({ topic, partition: Number(partition), since: new Date(since), error: p.error });
    }
    return stalled;
  }

  async start(): Promise<void> {
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout,
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxWaitTimeInMs: 200,
    });
    const stopping = new AbortController();
    this.consumer = consumer;
    this.stopping = stopping;
    this.followMembership(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload, stopping.signal),
    });
    this.lagTimer = setInterval(() => void this.refreshLag(), this.options.lagRefreshMs ?? 15_000);
    this.lagTimer.unref();
  }

  /**
   * Stops fetching, lets the batch in hand finish and commit, then leaves the group. A batch
   * waiting to retry is left uncommitted at once rather than after its backoff; the partition's
   * next owner handles it again.
   */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    clearInterval(this.lagTimer);
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    this.progress.clear();
    this.stopping.abort();
    await consumer?.disconnect();
    await this.refreshing;
    const admin = this.admin;
    this.admin = undefined;
    await (await admin?.catch(() => undefined))?.disconnect();
    this.joined = false;
    this.lags.clear();
    this.options.observer?.lagChanged([]);
  }

  private followMembership(consumer: Consumer): void {
    const { GROUP_JOIN, CRASH, DISCONNECT, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.lags.assign(payload.memberAssignment);
      // A partition that went to another member is no longer this one's to report as stalled.
      const owned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => `${topic}\u0000${partition}`),
        ),
      );
      for (const key of this.progress.keys()) if (!owned.has(key)) this.progress.delete(key);
      this.options.observer?.lagChanged(this.lags.current());
      void this.refreshLag();
    });
    for (const event of [CRASH, DISCONNECT, STOP]) {
      consumer.on(event, () => {
        this.joined = false;
      });
    }
  }

  /**
   * The lag seen per batch stops moving while a partition is stalled (Redis down, say), so the
   * owned partitions' lag is also read from the broker now and then. Never throws: a failed
   * read keeps the last values until the next one.
   */
  private refreshLag(): Promise<void> {
    if (this.refreshing !== undefined || this.lags.isEmpty || this.stopping.signal.aborted) {
      return Promise.resolve();
    }
    this.refreshing = this.readLag().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readLag(): Promise<void> {
    try {
      this.admin ??= this.connectAdmin();
      const admin = await this.admin;
      this.lags.record(await fetchPartitionLags(admin, this.options.groupId, this.options.topics));
      this.options.observer?.lagChanged(this.lags.current());
    } catch (error) {
      this.logger.debug(`could not read the consumer lag: ${(error as Error).message}`);
    }
  }

  private async connectAdmin(): Promise<Admin> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      return admin;
    } catch (error) {
      this.admin = undefined;
      throw error;
    }
  }

  private async onBatch(payload: EachBatchPayload, stopping: AbortSignal): Promise<void> {
    const { batch } = payload;
    const last = batch.messages.at(-1);
    if (last === undefined) return;
    if (!payload.isRunning() || payload.isStale() || stopping.aborted) return;
    const key = `${batch.topic}\u0000${batch.partition}`;
    const progress = this.progress.get(key) ?? {
      busySince: undefined,
      failingSince: undefined,
      attempts: 0,
      error: undefined,
    };
    this.progress.set(key, progress);
    progress.busySince = Date.now();
    try {
      await this.handler.handle({
        topic: batch.topic,
        partition: batch.partition,
        messages: batch.messages,
      });
    } catch (error) {
      progress.busySince = undefined;
      progress.failingSince ??= Date.now();
      progress.attempts++;
      progress.error = (error as Error).message;
      const delay = Math.min(
        this.options.retryInitialMs * 2 ** (progress.attempts - 1),
        this.options.retryMaxMs,
      );
      this.logger.warn(
        `${batch.topic}[${batch.partition}] batch at offset ${batch.firstOffset() ?? '?'} failed ` +
          `(attempt ${progress.attempts}), retrying in ${delay} ms: ${progress.error}`,
      );
      // Not resolved: after the pause the partition is fetched again from this batch's offset.
      const resume = payload.pause();
      const timer = setTimeout(() => {
        this.resumeTimers.delete(timer);
        resume();
      }, delay);
      this.resumeTimers.add(timer);
      return;
    }
    this.progress.delete(key);

    payload.resolveOffset(last.offset);
    // Through the batch's own commit, not `consumer.commitOffsets`: kafkajs drops the latter
    // once stop() began, which would leave the batch finished during shutdown uncommitted.
    // A failed commit (the group rebalancing, say) is not the batch's failure: the next batch's
    // commit covers it, and until then a restart replays the batch, which changes nothing.
    try {
      await payload.commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [
              { partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
            ],
          },
        ],
      });
    } catch (error) {
      this.logger.warn(
        `${batch.topic}[${batch.partition}] commit up to ${last.offset} failed; the next ` +
          `batch's commit covers it: ${(error as Error).message}`,
      );
    }
    this.lags.record([
      { topic: batch.topic, partition: batch.partition, lag: Number(batch.offsetLag()) },
    ]);
    this.options.observer?.lagChanged(this.lags.current());
  }
}
