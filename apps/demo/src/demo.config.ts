import { z } from 'zod';
import { kafkaEnvSchema, redisEnvSchema, toKafkaConfig, toRedisConfig } from '@app/config';

export const demoEnvSchema = z
  .object({ INGEST_GROUP_ID: z.string().min(1).default('ingest') })
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .transform((env) => ({
    kafka: toKafkaConfig(env),
    redis: toRedisConfig(env),
    ingestGroupId: env.INGEST_GROUP_ID,
  }));
