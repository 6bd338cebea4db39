import { z } from 'zod';
import { envInt, envList } from './env-fields';

const topicName = (defaultValue: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected a Kafka topic name: letters, digits, ".", "_", "-"')
    .default(defaultValue);

export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: envList('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('movie-recommender'),
  KAFKA_TOPIC_PARTITIONS: envInt(4, { min: 1, max: 10_000 }),
  KAFKA_RATINGS_TOPIC: topicName('ratings'),
  KAFKA_FAVOURITES_TOPIC: topicName('favourites'),
});

export type KafkaEnv = z.output<typeof kafkaEnvSchema>;

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** Partitions for topics this project creates; ingest scales out up to this many consumers. */
  topicPartitions: number;
  topics: { rating: string; favourite: string };
}

export const toKafkaConfig = (env: KafkaEnv): KafkaConfig => ({
  brokers: env.KAFKA_BROKERS,
  clientId: env.KAFKA_CLIENT_ID,
  topicPartitions: env.KAFKA_TOPIC_PARTITIONS,
  topics: { rating: env.KAFKA_RATINGS_TOPIC, favourite: env.KAFKA_FAVOURITES_TOPIC },
});
