import { type Kafka } from 'kafkajs';

/** Messages not yet committed by the group, summed over the topics' partitions. */
export async function consumerGroupLag(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let lag = 0;
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const groupTopic = committed.find((c) => c.topic === topic);
      for (const { partition, high } of ends) {
        const offset =
          groupTopic?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        const done = Number(offset) < 0 ? 0 : Number(offset);
        lag += Number(high) - done;
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}
