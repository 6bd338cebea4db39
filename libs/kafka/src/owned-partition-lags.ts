import { type PartitionLag } from './consumer-group-lag';

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * The lag of the partitions one group member owns, so that summing every member's lags gives the
 * group's, each partition counted once. Partitions whose lag is not known yet are left out.
 */
export class OwnedPartitionLags {
  private owned = new Map<string, PartitionLag | undefined>();

  /** A new assignment after a rebalance: `{ topic: [partition, ...] }`. */
  assign(assignment: Readonly<Record<string, readonly number[]>>): void {
    const owned = new Map<string, PartitionLag | undefined>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = keyOf(topic, partition);
        owned.set(key, this.owned.get(key));
      }
    }
    this.owned = owned;
  }

  /** Records lags; those of partitions this member does not own are ignored. */
  record(lags: Iterable<PartitionLag>): void {
    for (const lag of lags) {
      const key = keyOf(lag.topic, lag.partition);
      if (this.owned.has(key)) this.owned.set(key, lag);
    }
  }

  clear(): void {
    this.owned.clear();
  }

  get isEmpty(): boolean {
    return this.owned.size === 0;
  }

  current(): PartitionLag[] {
    return [...this.owned.values()].filter((lag): lag is PartitionLag => lag !== undefined);
  }
}
