import { z } from 'zod';
import {
  envInt,
  type KafkaConfig,
  kafkaEnvSchema,
  loggingEnvSchema,
  type LogLevelName,
  type RedisConfig,
  redisEnvSchema,
  serviceEnv,
  toKafkaConfig,
  toRedisConfig,
} from '@app/config';

export const ingestEnvSchema = z
  .object({
    INGEST_PORT: serviceEnv.INGEST_PORT,
    INGEST_GROUP_ID: serviceEnv.INGEST_GROUP_ID,
    INGEST_RETRY_INITIAL_MS: envInt(200, { min: 1, max: 60_000 }),
    INGEST_RETRY_MAX_MS: envInt(5_000, { min: 1, max: 600_000 }),
    INGEST_PARTITIONS_CONCURRENTLY: envInt(4, { min: 1, max: 1_000 }),
    INGEST_STALL_MS: envInt(60_000, { min: 1_000, max: 3_600_000 }),
    // Kafka's own bounds for a group session (group.min/max.session.timeout.ms by default).
    INGEST_SESSION_TIMEOUT_MS: envInt(30_000, { min: 6_000, max: 1_800_000 }),
  })
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(loggingEnvSchema.shape)
  .transform((env, ctx): IngestConfig => ({
    kafka: toKafkaConfig(env, ctx),
    redis: toRedisConfig(env, ctx),
    port: env.INGEST_PORT,
    logLevel: env.LOG_LEVEL,
    groupId: env.INGEST_GROUP_ID,
    retryInitialMs: env.INGEST_RETRY_INITIAL_MS,
    retryMaxMs: env.INGEST_RETRY_MAX_MS,
    partitionsConcurrently: env.INGEST_PARTITIONS_CONCURRENTLY,
    stallMs: env.INGEST_STALL_MS,
    sessionTimeoutMs: env.INGEST_SESSION_TIMEOUT_MS,
  }));

export interface IngestConfig {
  kafka: KafkaConfig;
  redis: RedisConfig;
  /** HTTP port of health and metrics. */
  port: number;
  logLevel: LogLevelName;
  groupId: string;
  retryInitialMs: number;
  retryMaxMs: number;
  partitionsConcurrently: number;
  /** A partition whose batch fails or hangs this long turns readiness red. */
  stallMs: number;
  /**
   * How long the group waits for a member that stopped answering (a crashed process) before its
   * partitions go to the others.
   */
  sessionTimeoutMs: number;
}
