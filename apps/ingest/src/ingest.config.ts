import { z } from 'zod';
import {
  envInt,
  type KafkaConfig,
  kafkaEnvSchema,
  loggingEnvSchema,
  type LogLevelName,
  type RedisConfig,
  redisEnvSchema,
  toKafkaConfig,
  toRedisConfig,
} from '@app/config';

export const ingestEnvSchema = z
  .object({
    INGEST_PORT: envInt(3002, { min: 0, max: 65_535 }),
    INGEST_GROUP_ID: z.string().min(1).default('ingest'),
    INGEST_RETRY_INITIAL_MS: envInt(200, { min: 1, max: 60_000 }),
    INGEST_RETRY_MAX_MS: envInt(5_000, { min: 1, max: 600_000 }),
    INGEST_PARTITIONS_CONCURRENTLY: envInt(4, { min: 1, max: 1_000 }),
  })
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(loggingEnvSchema.shape)
  .transform((env, ctx): IngestConfig => ({
    kafka: toKafkaConfig(env, ctx),
    redis: toRedisConfig(env),
    port: env.INGEST_PORT,
    logLevel: env.LOG_LEVEL,
    groupId: env.INGEST_GROUP_ID,
    retryInitialMs: env.INGEST_RETRY_INITIAL_MS,
    retryMaxMs: env.INGEST_RETRY_MAX_MS,
    partitionsConcurrently: env.INGEST_PARTITIONS_CONCURRENTLY,
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
}
