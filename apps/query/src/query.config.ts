import { z } from 'zod';
import {
  envInt,
  loggingEnvSchema,
  type LogLevelName,
  type RedisConfig,
  redisEnvSchema,
  serviceEnv,
  toRedisConfig,
} from '@app/config';
import { DEFAULT_SHRINKAGE, type ShrinkageSettings } from '@app/recommend';

export const queryEnvSchema = z
  .object({
    QUERY_PORT: serviceEnv.QUERY_PORT,
    QUERY_RPC_HOST: z.string().min(1).default('0.0.0.0'),
    QUERY_RPC_PORT: serviceEnv.QUERY_RPC_PORT,
    QUERY_MOVIES_FILE: z.string().min(1).default('data/ml-latest-small/movies.csv'),
    QUERY_REFRESH_MS: envInt(5_000, { min: 100, max: 3_600_000 }),
    QUERY_REDIS_TIMEOUT_MS: envInt(500, { min: 10, max: 60_000 }),
    QUERY_PRIOR_WEIGHT: envInt(DEFAULT_SHRINKAGE.priorWeight, { min: 0, max: 10_000 }),
    QUERY_CLUSTER_PRIOR_WEIGHT: envInt(DEFAULT_SHRINKAGE.clusterPriorWeight, {
      min: 0,
      max: 10_000,
    }),
    QUERY_MIN_SUPPORT: envInt(DEFAULT_SHRINKAGE.minSupport, { min: 1, max: 1_000_000 }),
  })
  .extend(redisEnvSchema.shape)
  .extend(loggingEnvSchema.shape)
  .transform((env, ctx) => ({
    redis: toRedisConfig(env, ctx),
    logLevel: env.LOG_LEVEL,
    port: env.QUERY_PORT,
    rpc: { host: env.QUERY_RPC_HOST, port: env.QUERY_RPC_PORT },
    moviesFile: env.QUERY_MOVIES_FILE,
    refreshMs: env.QUERY_REFRESH_MS,
    redisTimeoutMs: env.QUERY_REDIS_TIMEOUT_MS,
    shrinkage: {
      priorWeight: env.QUERY_PRIOR_WEIGHT,
      clusterPriorWeight: env.QUERY_CLUSTER_PRIOR_WEIGHT,
      minSupport: env.QUERY_MIN_SUPPORT,
    },
  }));

export interface QueryConfig {
  redis: RedisConfig;
  logLevel: LogLevelName;
  port: number;
  rpc: { host: string; port: number };
  moviesFile: string;
  refreshMs: number;
  redisTimeoutMs: number;
  shrinkage: ShrinkageSettings;
}
