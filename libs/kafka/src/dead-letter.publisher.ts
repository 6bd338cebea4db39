import { type Kafka, type KafkaMessage, Partitioners, type Producer } from 'kafkajs';
import { DLQ_HEADERS, deadLetterTopic } from '@app/events';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: string;
}

/** Sends rejected messages, byte for byte, to `<topic>.dlq` with the reason and source position. */
export class DeadLetterPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.connected ??= this.producer.connect();
    await this.connected;
    const byTopic = new Map<string, DeadLetter[]>();
    for (const letter of letters) {
      const topic = deadLetterTopic(letter.topic);
      const group = byTopic.get(topic);
      if (group) group.push(letter);
      else byTopic.set(topic, [letter]);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, group]) => ({
        topic,
        messages: group.map(({ topic: source, partition, message, reason }) => ({
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [DLQ_HEADERS.reason]: reason,
            [DLQ_HEADERS.sourceTopic]: source,
            [DLQ_HEADERS.sourcePartition]: String(partition),
            [DLQ_HEADERS.sourceOffset]: message.offset,
          },
        })),
      })),
    });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }

  /** As a Nest provider the producer disconnects at application shutdown, after the consumer. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
