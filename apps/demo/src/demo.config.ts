import { z } from 'zod';
import { envInt, kafkaEnvSchema, redisEnvSchema, toKafkaConfig, toRedisConfig } from '@app/config';

/** The demo drives the services it starts, so it reads the same variables they do. */
export const demoEnvSchema = z
  .object({
    INGEST_GROUP_ID: z.string().min(1).default('ingest'),
    QUERY_PORT: envInt(3000, { min: 1, max: 65_535 }),
    RECLUSTER_PORT: envInt(3001, { min: 1, max: 65_535 }),
  })
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .transform((env, ctx) => ({
    kafka: toKafkaConfig(env, ctx),
    redis: toRedisConfig(env),
    ingestGroupId: env.INGEST_GROUP_ID,
    queryUrl: `http://127.0.0.1:${env.QUERY_PORT}`,
    reclusterUrl: `http://127.0.0.1:${env.RECLUSTER_PORT}`,
  }));
