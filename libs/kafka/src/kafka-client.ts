import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { type KafkaConfig } from '@app/config';

const logger = new Logger('kafkajs');

const toNestLog =
  () =>
  ({ level, label, log }: LogEntry): void => {
    const { message, ...extra } = log;
    const line = `${label} ${message} ${JSON.stringify(extra)}`;
    if (level === logLevel.ERROR) logger.error(line);
    else if (level === logLevel.WARN) logger.warn(line);
    else logger.debug(line);
  };

/** Builds the kafkajs client for a validated config; kafkajs logs go through the Nest logger. */
export function createKafka(config: KafkaConfig): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator: toNestLog,
    retry: { retries: 8, initialRetryTime: 200 },
  });
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
