import { type IHeaders, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { DLQ_HEADERS, deadLetterTopic } from '@app/events';
import { createProducer } from './kafka-client';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: string;
}

export interface DeadLetterLimits {
  /**
   * The largest letter sent whole, key, value and headers together, in bytes. Below the broker's
   * limit (message.max.bytes, 1,048,588 by default) with room for the record overhead: a letter
   * is the original plus the reason and source headers, so an original at the broker's limit
   * would not fit as it was.
   */
  maxLetterBytes: number;
  /** Bytes of the value kept from an original too large to send whole. */
  keptPrefixBytes: number;
  /** The largest request, in bytes: letters are sent in batches no larger. */
  maxBatchBytes: number;
}

export const DEFAULT_DEAD_LETTER_LIMITS: DeadLetterLimits = {
  maxLetterBytes: 900_000,
  keptPrefixBytes: 16_384,
  maxBatchBytes: 900_000,
};

/**
 * Sends rejected messages to `<topic>.dlq`, byte for byte, with the reason and source position
 * (topic, partition, offset) as headers. Every letter fits the broker: an original too large to
 * send whole with its headers keeps a prefix of its value, and says so with its full size (the
 * original stays fetchable at its source position for the topic's retention); letters go in
 * batches of bounded size, one request at a time.
 */
export class DeadLetterPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly limits: DeadLetterLimits = DEFAULT_DEAD_LETTER_LIMITS,
  ) {
    this.producer = createProducer(kafka);
  }

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.connected ??= this.producer.connect();
    await this.connected;
    let batch: { topic: string; messages: Outgoing[] }[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await this.producer.sendBatch({ acks: -1, topicMessages: batch });
      batch = [];
      bytes = 0;
    };
    for (const letter of letters) {
      const outgoing = this.toOutgoing(letter);
      const size = sizeOf(outgoing);
      if (bytes + size > this.limits.maxBatchBytes) await flush();
      const topic = deadLetterTopic(letter.topic);
      const group = batch.find((entry) => entry.topic === topic);
      if (group) group.messages.push(outgoing);
      else batch.push({ topic, messages: [outgoing] });
      bytes += size;
    }
    await flush();
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }

  /** As a Nest provider the producer disconnects at application shutdown, after the consumer. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private toOutgoing({ topic, partition, message, reason }: DeadLetter): Outgoing {
    const headers: IHeaders = {
      ...message.headers,
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.sourceTopic]: topic,
      [DLQ_HEADERS.sourcePartition]: String(partition),
      [DLQ_HEADERS.sourceOffset]: message.offset,
    };
    const whole: Outgoing = { key: message.key, value: message.value, headers };
    if (sizeOf(whole) <= this.limits.maxLetterBytes) return whole;
    const value = message.value ?? Buffer.alloc(0);
    // Even the headers of a letter are bounded: a long reason is cut, and the original's own
    // headers make way, as its value does, for the source position to fetch it by.
    return {
      key: message.key,
      value: value.subarray(0, this.limits.keptPrefixBytes),
      headers: {
        [DLQ_HEADERS.reason]: reason.slice(0, 2_048),
        [DLQ_HEADERS.sourceTopic]: topic,
        [DLQ_HEADERS.sourcePartition]: String(partition),
        [DLQ_HEADERS.sourceOffset]: message.offset,
        [DLQ_HEADERS.truncated]: 'true',
        [DLQ_HEADERS.originalBytes]: String(value.length),
      },
    };
  }
}

type Outgoing = { key: Buffer | null; value: Buffer | null; headers: IHeaders };

/** Bytes of a record's key, value and headers: what counts against the broker's limit. */
function sizeOf({ key, value, headers }: Outgoing): number {
  let bytes = (key?.length ?? 0) + (value?.length ?? 0);
  for (const [name, header] of Object.entries(headers)) {
    bytes += Buffer.byteLength(name);
    for (const part of Array.isArray(header) ? header : [header]) {
      bytes += part === undefined ? 0 : Buffer.byteLength(part);
    }
  }
  return bytes + 64;
}
