import { type Kafka, type KafkaMessage } from 'kafkajs';
import { createProducer } from '@app/kafka';

export interface WireMessage {
  key: string | null;
  value: Buffer | string | null;
  /** Chosen by the key when absent. */
  partition?: number;
}

export async function produce(kafka: Kafka, topic: string, messages: WireMessage[]): Promise<void> {
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Reads every message a topic holds now, from the beginning. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const count = ends.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  if (count === 0) return [];

  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}` });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`read ${messages.length} of ${count} messages of ${topic} in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      void consumer.run({
        eachMessage: ({ message }) => {
          messages.push(message);
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
