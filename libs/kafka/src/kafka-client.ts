import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import { type KafkaConfig, type KafkaSasl } from '@app/config';

const logger = new Logger('kafkajs');

/** kafkajs' own fields (broker, groupId, error, ...) travel as fields of the log line. */
const toNestLog =
  () =>
  ({ level, label, log }: LogEntry): void => {
    const { message, timestamp: _timestamp, ...fields } = log;
    const entry = { message: `${label} ${message}`, ...fields };
    if (level === logLevel.ERROR) logger.error(entry);
    else if (level === logLevel.WARN) logger.warn(entry);
    else logger.debug(entry);
  };

/** Builds the kafkajs client for a validated config; kafkajs logs go through the Nest logger. */
export function createKafka(config: KafkaConfig): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl ?? false,
    ...(config.sasl === undefined ? {} : { sasl: saslOptions(config.sasl) }),
    logLevel: logLevel.WARN,
    logCreator: toNestLog,
    retry: { retries: 8, initialRetryTime: 200 },
  });
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

/** Creates the topics that do not exist yet (idempotent; safe from many replicas at once). */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  numPartitions: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: -1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
