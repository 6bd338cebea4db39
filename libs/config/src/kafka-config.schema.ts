import { z } from 'zod';
import { envBool, envInt, envList } from './env-fields';

const topicName = (defaultValue: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected a Kafka topic name: letters, digits, ".", "_", "-"')
    .default(defaultValue);

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

const credential = z.string().min(1, 'expected a non-empty value').optional();

export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: envList('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('movie-recommender'),
  KAFKA_TOPIC_PARTITIONS: envInt(4, { min: 1, max: 10_000 }),
  KAFKA_RATINGS_TOPIC: topicName('ratings'),
  KAFKA_FAVOURITES_TOPIC: topicName('favourites'),
  KAFKA_SSL: envBool(false),
  KAFKA_SASL_MECHANISM: z
    .enum(KAFKA_SASL_MECHANISMS, {
      error: (issue) =>
        `expected one of ${KAFKA_SASL_MECHANISMS.join(', ')}, got "${String(issue.input)}"`,
    })
    .optional(),
  KAFKA_SASL_USERNAME: credential,
  KAFKA_SASL_PASSWORD: credential,
});

export type KafkaEnv = z.output<typeof kafkaEnvSchema>;

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** Partitions for topics this project creates; ingest scales out up to this many consumers. */
  topicPartitions: number;
  topics: { rating: string; favourite: string };
  /** TLS to the brokers, trusting the system's certificate authorities. */
  ssl?: boolean;
  /** No SASL when absent. */
  sasl?: KafkaSasl;
}

/**
 * The Kafka part of a service's config. It takes the transform's context because the SASL
 * variables are checked together: a mechanism needs both credentials, and the error names the
 * missing one. Without a mechanism there is no SASL, and credentials are ignored, so one Secret
 * can serve environments with and without SASL.
 */
export function toKafkaConfig(env: KafkaEnv, ctx: z.RefinementCtx): KafkaConfig {
  const {
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: username,
    KAFKA_SASL_PASSWORD: password,
  } = env;
  if (mechanism !== undefined) {
    const credentials = { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password };
    for (const [variable, value] of Object.entries(credentials)) {
      if (value !== undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: [variable],
        message: `required when KAFKA_SASL_MECHANISM is set (${mechanism})`,
      });
    }
  }
  return {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID,
    topicPartitions: env.KAFKA_TOPIC_PARTITIONS,
    topics: { rating: env.KAFKA_RATINGS_TOPIC, favourite: env.KAFKA_FAVOURITES_TOPIC },
    ssl: env.KAFKA_SSL,
    ...(mechanism !== undefined && username !== undefined && password !== undefined
      ? { sasl: { mechanism, username, password } }
      : {}),
  };
}
