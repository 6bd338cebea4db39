import { type Admin, type Kafka } from 'kafkajs';
import { fetchPartitionLags } from '@app/kafka';

/**
 * Watches a consumer group's committed offsets while a drill runs, to tell how long ingestion
 * stood still after a fault: for each partition, the time it had messages waiting and no commit
 * moved it on.
 */
export class GroupProgress {
  private readonly lastMoved = new Map<string, { offset: number; at: number }>();
  private faultAt: number | undefined;
  private longest = 0;
  private lastSampled = Date.now();
  private longestUnobserved = 0;
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly topics: readonly string[],
    intervalMs: number,
  ) {
    this.loop = this.run(intervalMs);
  }

  static async start(
    kafka: Kafka,
    groupId: string,
    topics: readonly string[],
    intervalMs = 200,
  ): Promise<GroupProgress> {
    const admin = kafka.admin();
    await admin.connect();
    return new GroupProgress(admin, groupId, topics, intervalMs);
  }

  /** Marks the fault: stalls count from now on. */
  fault(): void {
    this.faultAt = Date.now();
  }

  /**
   * The longest time, since the fault, that any partition had a backlog and made no progress;
   * and the longest time the group could not be observed (a killed broker was its coordinator,
   * say), during which a stall may have gone unseen.
   */
  async stop(): Promise<{ longestStallMs: number; longestUnobservedMs: number }> {
    this.stopped = true;
    await this.loop;
    await this.admin.disconnect();
    return { longestStallMs: this.longest, longestUnobservedMs: this.longestUnobserved };
  }

  private async run(intervalMs: number): Promise<void> {
    while (!this.stopped) {
      await this.sample().catch(() => {
        // A broker being killed fails some samples; the next one tells.
      });
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  private async sample(): Promise<void> {
    const lags = await fetchPartitionLags(this.admin, this.groupId, this.topics);
    const committed = await this.admin.fetchOffsets({
      groupId: this.groupId,
      topics: [...this.topics],
    });
    const now = Date.now();
    if (this.faultAt !== undefined) {
      this.longestUnobserved = Math.max(
        this.longestUnobserved,
        now - Math.max(this.lastSampled, this.faultAt),
      );
    }
    this.lastSampled = now;
    for (const { topic, partition, lag } of lags) {
      const key = `${topic}[${partition}]`;
      const offset = Number(
        committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition)
          ?.offset ?? '-1',
      );
      const last = this.lastMoved.get(key);
      if (last === undefined || offset !== last.offset || lag === 0) {
        this.lastMoved.set(key, { offset, at: now });
      } else if (this.faultAt !== undefined) {
        this.longest = Math.max(this.longest, now - Math.max(last.at, this.faultAt));
      }
    }
  }
}
