import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type LoggerService } from '@nestjs/common';
import {
  type Admin,
  Kafka,
  type logCreator,
  logLevel,
  type LogEntry,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { type KafkaConfig, type KafkaSasl } from '@app/config';
import { repeatLimitedErrorLogger } from '@app/observability';
import { TopicCreationError } from './topic-creation.error';

/** What kafkajs says when a broker cannot be reached: its own words and the socket's. */
const CONNECTION_FAILURE = /connect|connection|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH/i;

/**
 * kafkajs' log lines through a Nest logger, its own fields (broker, groupId, error, ...) as
 * fields of the line. A broker that cannot be reached makes kafkajs retry and log each attempt:
 * those lines name KAFKA_BROKERS and each comes at most every 30 s, with how many were left out.
 */
export function kafkajsLogCreator(
  brokers: readonly string[],
  target: LoggerService = new Logger('kafkajs'),
  now: () => number = Date.now,
): logCreator {
  const connectionFailure = repeatLimitedErrorLogger(
    target,
    (error) => `Kafka (KAFKA_BROKERS=${brokers.join(',')}): ${error.message}`,
    now,
  );
  return () =>
    ({ level, label, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, ...fields } = log;
      const error = typeof fields.error === 'string' ? `: ${fields.error}` : '';
      if (level <= logLevel.WARN && CONNECTION_FAILURE.test(`${message}${error}`)) {
        connectionFailure(new Error(`${label} ${message}${error}`));
        return;
      }
      const entry = { message: `${label} ${message}`, ...fields };
      if (level === logLevel.ERROR) target.error(entry);
      else if (level === logLevel.WARN) target.warn(entry);
      else target.debug?.(entry);
    };
}

export interface KafkaClientOptions {
  /**
   * A broker that does not answer fails a call within seconds rather than after a minute of
   * retries, and kafkajs logs nothing: the caller reports the failure once (a command-line tool,
   * or a service checking whether the brokers answer yet).
   */
  failFast?: boolean;
}

/** Builds the kafkajs client for a validated config; kafkajs logs go through the Nest logger. */
export function createKafka(
  config: KafkaConfig,
  { failFast = false }: KafkaClientOptions = {},
): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl ?? false,
    ...(config.sasl === undefined ? {} : { sasl: saslOptions(config.sasl) }),
    logLevel: failFast ? logLevel.NOTHING : logLevel.WARN,
    logCreator: kafkajsLogCreator(config.brokers),
    ...(failFast
      ? { retry: { retries: 2, initialRetryTime: 300 }, connectionTimeout: 3_000 }
      : { retry: { retries: 8, initialRetryTime: 200 } }),
  });
}

/** No broker of KAFKA_BROKERS answered. */
export class BrokersUnreachableError extends Error {
  readonly code = 'BROKERS_UNREACHABLE';

  constructor(brokers: readonly string[], cause: unknown) {
    super(
      `KAFKA_BROKERS: no broker answered at ${brokers.join(',')} (${(cause as Error).message})`,
      { cause },
    );
    this.name = 'BrokersUnreachableError';
  }
}

/** Connects to the brokers once, to fail with one clear line when none answers. */
export async function checkBrokers(kafka: Kafka, config: KafkaConfig): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    throw new BrokersUnreachableError(config.brokers, error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** kafkajs types SASL options per mechanism, so each mechanism is spelled out. */
function saslOptions({ mechanism, username, password }: KafkaSasl): SASLOptions {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
    default: {
      const unknown: never = mechanism;
      throw new Error(`unsupported SASL mechanism ${String(unknown)}`);
    }
  }
}

/** How topics this project creates are laid out (see KAFKA_TOPIC_* in README). */
export interface TopicLayout {
  partitions: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number;
  /** Undefined: the broker's min.insync.replicas. */
  minInsyncReplicas?: number;
  /**
   * Topics created with cleanup.policy=compact: Kafka keeps the latest message of each key, so a
   * topic read from the start gives the current state (the catalogue's movies topic).
   */
  compacted?: readonly string[];
}

/**
 * Creates the topics that do not exist yet (idempotent; safe from many replicas at once), and
 * waits until every partition of them has a leader that the brokers agree on. Returns the ones
 * it created; topics the brokers refuse end in a TopicCreationError giving their reasons.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  layout: TopicLayout,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin
        .createTopics({
          // Its own wait gives up on a broker that has not heard of the topic yet: see untilLed.
          waitForLeaders: false,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: layout.partitions,
            replicationFactor: layout.replicationFactor,
            configEntries: topicConfig(topic, layout),
          })),
        })
        .catch((error: unknown) => {
          const refusals = TopicCreationError.refusalsOf(error);
          throw refusals === undefined ? error : new TopicCreationError(refusals, layout, error);
        });
      await untilLed(admin, missing);
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}

/** The settings a new topic is created with, beside its partitions and replicas. */
function topicConfig(topic: string, layout: TopicLayout): { name: string; value: string }[] {
  return [
    ...(layout.minInsyncReplicas === undefined
      ? []
      : [{ name: 'min.insync.replicas', value: String(layout.minInsyncReplicas) }]),
    ...(layout.compacted?.includes(topic) ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
  ];
}

/**
 * A producer that keeps each key on its partition (Java's partitioner) and is idempotent: a send
 * retried after a lost answer, or after its partition's leader changed, is written once. Every
 * send must ask for acks -1 (all in-sync replicas), which idempotence requires.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
}

/** How long new topics may take to get leaders on every broker. */
const TOPIC_READY_MS = 60_000;

/**
 * Waits until every partition of the topics has a leader. A broker that has not applied a new
 * topic's metadata yet answers that it does not host it, which kafkajs' own wait does not retry
 * (kafkajs issue 815); that answer, and a partition without a leader, are waited out here.
 */
export async function untilLed(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + TOPIC_READY_MS;
  for (let settled = 0; settled < 2;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const led = metadata.every(
        ({ partitions }) => partitions.length > 0 && partitions.every(({ leader }) => leader >= 0),
      );
      settled = led ? settled + 1 : 0;
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
      settled = 0;
    }
    if (Date.now() > deadline) {
      throw new Error(`topics ${topics.join(', ')} have no leaders after ${TOPIC_READY_MS} ms`);
    }
    await sleep(200);
  }
}
