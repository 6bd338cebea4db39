import { z } from 'zod';
import { envBool, envInt, envList, hostProblem, portProblem } from './env-fields';

/** What Kafka accepts as a topic name (249 characters at most; 200 leaves room for `.dlq`). */
export const KAFKA_TOPIC_NAME = {
  pattern: /^[A-Za-z0-9._-]{1,200}$/,
  message: 'expected a Kafka topic name: 1-200 letters, digits, ".", "_" or "-"',
};

const topicName = (defaultValue: string) =>
  z.string().regex(KAFKA_TOPIC_NAME.pattern, KAFKA_TOPIC_NAME.message).default(defaultValue);

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

const credential = z.string().min(1, 'expected a non-empty value').optional();

/**
 * Why a bootstrap broker is not `host:port`, or undefined. kafkajs splits an address at its
 * colon, so an IPv6 address cannot be given.
 */
export function brokerProblem(broker: string): string | undefined {
  const [host = '', port, ...rest] = broker.split(':');
  if (port === undefined || rest.length > 0) return `expected host:port, got "${broker}"`;
  const problem = hostProblem(host) ?? portProblem(port);
  return problem === undefined ? undefined : `${problem} in "${broker}"`;
}

export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: envList('127.0.0.1:9092').superRefine((brokers, ctx) => {
    for (const broker of brokers) {
      const problem = brokerProblem(broker);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }
  }),
  KAFKA_CLIENT_ID: z.string().min(1).default('movie-recommender'),
  KAFKA_TOPIC_PARTITIONS: envInt(4, { min: 1, max: 10_000 }),
  KAFKA_TOPIC_REPLICATION_FACTOR: envInt(-1, { min: -1, max: 100 }),
  KAFKA_TOPIC_MIN_INSYNC_REPLICAS: envInt(0, { min: 0, max: 100 }),
  KAFKA_RATINGS_TOPIC: topicName('ratings'),
  KAFKA_FAVOURITES_TOPIC: topicName('favourites'),
  KAFKA_FEEDBACK_TOPIC: topicName('feedback'),
  KAFKA_MOVIES_TOPIC: topicName('movies'),
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

const TOPIC_VARIABLES = [
  'KAFKA_RATINGS_TOPIC',
  'KAFKA_FAVOURITES_TOPIC',
  'KAFKA_FEEDBACK_TOPIC',
  'KAFKA_MOVIES_TOPIC',
] as const;

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** How topics this project creates are laid out; ingest scales out up to `partitions`. */
  topicLayout: {
    partitions: number;
    replicationFactor: number;
    minInsyncReplicas?: number;
    /** Topics created compacted: the movies topic. */
    compacted?: string[];
  };
  /** The user event topics ingestion consumes, by the kind of event each carries. */
  topics: { rating: string; favourite: string; feedback: string };
  /** The compacted catalogue topic (key movieId), read apart from the user event topics. */
  moviesTopic: string;
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
  // Ingestion tells an event's kind by its topic, and the movies topic is compacted: each
  // topic name serves one purpose.
  const named = new Map<string, string>();
  for (const variable of TOPIC_VARIABLES) {
    const first = named.get(env[variable]);
    if (first === undefined) named.set(env[variable], variable);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [variable],
        message: `names the same topic as ${first} ("${env[variable]}"); each needs its own`,
      });
    }
  }
  return {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID,
    topicLayout: {
      partitions: env.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: env.KAFKA_TOPIC_REPLICATION_FACTOR,
      // 0: the broker's own min.insync.replicas.
      ...(env.KAFKA_TOPIC_MIN_INSYNC_REPLICAS === 0
        ? {}
        : { minInsyncReplicas: env.KAFKA_TOPIC_MIN_INSYNC_REPLICAS }),
      compacted: [env.KAFKA_MOVIES_TOPIC],
    },
    topics: {
      rating: env.KAFKA_RATINGS_TOPIC,
      favourite: env.KAFKA_FAVOURITES_TOPIC,
      feedback: env.KAFKA_FEEDBACK_TOPIC,
    },
    moviesTopic: env.KAFKA_MOVIES_TOPIC,
    ssl: env.KAFKA_SSL,
    ...(mechanism !== undefined && username !== undefined && password !== undefined
      ? { sasl: { mechanism, username, password } }
      : {}),
  };
}
