import { z } from 'zod';
import {
  envInt,
  type KafkaConfig,
  kafkaEnvSchema,
  type RedisConfig,
  redisEnvSchema,
  toKafkaConfig,
  toRedisConfig,
} from '@app/config';

export const ingestEnvSchema = z
  .object({
    INGEST_GROUP_ID: z.string().min(1).default('ingest'),
    INGEST_RETRY_INITIAL_MS: envInt(200, { min: 1, max: 60_000 }),
    INGEST_RETRY_MAX_MS: envInt(5_000, { min: 1, max: 600_000 }),
    INGEST_PARTITIONS_CONCURRENTLY: envInt(4, { min: 1, max: 1_000 }),
  })
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .transform((env) => ({
    kafka: toKafkaConfig(env),
    redis: toRedisConfig(env),
    groupId: env.INGEST_GROUP_ID,
    retryInitialMs: env.INGEST_RETRY_INITIAL_MS,
    retryMaxMs: env.INGEST_RETRY_MAX_MS,
    partitionsConcurrently: env.INGEST_PARTITIONS_CONCURRENTLY,
  }));

export interface IngestConfig {
  kafka: KafkaConfig;
  redis: RedisConfig;
  groupId: string;
  retryInitialMs: number;
  retryMaxMs: number;
  partitionsConcurrently: number;
}
