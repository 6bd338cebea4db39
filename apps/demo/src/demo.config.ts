import { z } from 'zod';
import {
  kafkaEnvSchema,
  redisEnvSchema,
  serviceEnv,
  toKafkaConfig,
  toRedisConfig,
} from '@app/config';

/**
 * The demo drives the services it starts, so it reads the variables they read, declared once
 * for both (serviceEnv): the same group, the same ports.
 */
export const demoEnvSchema = z
  .object({
    INGEST_GROUP_ID: serviceEnv.INGEST_GROUP_ID,
    QUERY_PORT: serviceEnv.QUERY_PORT,
    RECLUSTER_PORT: serviceEnv.RECLUSTER_PORT,
    // The admin token of the services the demo starts; unset or empty: one made for the run.
    ADMIN_TOKEN: z.string().optional(),
  })
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .transform((env, ctx) => ({
    kafka: toKafkaConfig(env, ctx),
    redis: toRedisConfig(env, ctx),
    ingestGroupId: env.INGEST_GROUP_ID,
    queryUrl: `http://127.0.0.1:${env.QUERY_PORT}`,
    reclusterUrl: `http://127.0.0.1:${env.RECLUSTER_PORT}`,
    adminToken: env.ADMIN_TOKEN === '' ? undefined : env.ADMIN_TOKEN,
  }));
