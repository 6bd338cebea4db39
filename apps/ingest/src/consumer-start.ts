import { setTimeout as sleep } from 'node:timers/promises';
import { type Kafka } from 'kafkajs';
import { type KafkaConfig } from '@app/config';
import { deadLetterTopic } from '@app/events';
import { checkBrokers, type CommittingConsumer, ensureTopics } from '@app/kafka';

/** Between attempts to reach Kafka at start-up. */
export const START_RETRY_MS = 5_000;

export interface ConsumerStart {
  kafka: Kafka;
  /** A client of the same brokers that gives up within seconds: readiness soon says why. */
  probe: Kafka;
  config: KafkaConfig;
  /** The consumer's topics; their dead-letter topics are created beside them. */
  topics: readonly string[];
  consumer: CommittingConsumer;
  signal: AbortSignal;
  /** Told of each failed attempt, before the next one. */
  failed: (error: Error) => void;
}

/**
 * Starts a consumer once the brokers answer and its topics exist, trying again every
 * START_RETRY_MS until it runs or `signal` aborts. Resolves true once it runs.
 */
export async function startWhenKafkaAnswers({
  kafka,
  probe,
  config,
  topics,
  consumer,
  signal,
  failed,
}: ConsumerStart): Promise<boolean> {
  while (!signal.aborted) {
    try {
      await checkBrokers(probe, config);
      await ensureTopics(kafka, [...topics, ...topics.map(deadLetterTopic)], config.topicLayout);
      await consumer.start();
      return true;
    } catch (error) {
      failed(error as Error);
      await consumer.stop().catch(() => undefined);
      await sleep(START_RETRY_MS, undefined, { signal }).catch(() => undefined);
    }
  }
  return false;
}
