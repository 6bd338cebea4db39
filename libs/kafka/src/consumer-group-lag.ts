import { type Admin, type Kafka } from 'kafkajs';

/** Messages of one partition the group has not committed yet. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/**
 * Each partition's lag behind its end. Costs one offset fetch for the group and one offset list
 * per topic. A partition the group never committed counts from its first retained message, as
 * the consumers start from the beginning.
 */
export async function fetchPartitionLags(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const lags: PartitionLag[] = [];
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const groupTopic = committed.find((c) => c.topic === topic);
    for (const { partition, high, low } of ends) {
      const offset = Number(
        groupTopic?.partitions.find((p) => p.partition === partition)?.offset ?? '-1',
      );
      const done = offset < 0 ? Number(low) : offset;
      lags.push({ topic, partition, lag: Math.max(0, Number(high) - done) });
    }
  }
  return lags;
}

/** Messages not yet committed by the group, summed over the topics' partitions. */
export async function consumerGroupLag(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const lags = await fetchPartitionLags(admin, groupId, topics);
    return lags.reduce((sum, { lag }) => sum + lag, 0);
  } finally {
    await admin.disconnect();
  }
}
