import { randomUUID } from 'node:crypto';
import { type KafkaConfig, type RedisConfig } from '@app/config';

/**
 * A fresh namespace per test: unique topics, consumer group and Redis key prefix, all starting
 * with the run's TEST_NAMESPACE (set by the integration global setup, whose teardown removes
 * what the run left behind).
 */
export function isolatedEnvironment(): { kafka: KafkaConfig; redis: RedisConfig; groupId: string } {
  const id = `${process.env.TEST_NAMESPACE ?? 'test'}-${randomUUID().slice(0, 8)}`;
  const brokers = process.env.KAFKA_BROKERS;
  const redisUrl = process.env.REDIS_URL;
  if (!brokers || !redisUrl) {
    throw new Error(
      'KAFKA_BROKERS and REDIS_URL must be set (the integration global setup does it)',
    );
  }
  return {
    kafka: {
      brokers: brokers.split(','),
      clientId: id,
      topicLayout: { partitions: 3, replicationFactor: -1, compacted: [`movies-${id}`] },
      topics: {
        rating: `ratings-${id}`,
        favourite: `favourites-${id}`,
        feedback: `feedback-${id}`,
      },
      moviesTopic: `movies-${id}`,
    },
    redis: {
      url: redisUrl,
      keyPrefix: id,
      cluster: process.env.REDIS_CLUSTER === 'true',
      scriptBatchUsers: 7,
    },
    groupId: `ingest-${id}`,
  };
}

/** The variables that point a service at an isolated environment's topics, group and keys. */
export function serviceEnvironment(
  env: ReturnType<typeof isolatedEnvironment>,
): Record<string, string> {
  return {
    KAFKA_BROKERS: env.kafka.brokers.join(','),
    KAFKA_RATINGS_TOPIC: env.kafka.topics.rating,
    KAFKA_FAVOURITES_TOPIC: env.kafka.topics.favourite,
    KAFKA_FEEDBACK_TOPIC: env.kafka.topics.feedback,
    KAFKA_MOVIES_TOPIC: env.kafka.moviesTopic,
    KAFKA_TOPIC_PARTITIONS: String(env.kafka.topicLayout.partitions),
    REDIS_URL: env.redis.url,
    REDIS_CLUSTER: String(env.redis.cluster),
    REDIS_KEY_PREFIX: env.redis.keyPrefix,
    INGEST_GROUP_ID: env.groupId,
  };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 200, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
