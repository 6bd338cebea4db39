import { z } from 'zod';
import {
  envHost,
  envInt,
  envNumber,
  type ListenAddress,
  loggingEnvSchema,
  type LogLevelName,
  type RedisConfig,
  redisEnvSchema,
  serviceEnv,
  toRedisConfig,
} from '@app/config';
import {
  type AccessPolicy,
  accessEnvSchema,
  type HttpLimits,
  httpLimitsEnvSchema,
  toAccessPolicy,
  toHttpLimits,
} from '@app/http';
import { type VariantSettings } from '@app/query';
import { DEFAULT_SHRINKAGE, type ShrinkageSettings } from '@app/recommend';

export const queryEnvSchema = z
  .object({
    QUERY_PORT: serviceEnv.QUERY_PORT,
    QUERY_RPC_HOST: envHost('0.0.0.0'),
    QUERY_RPC_PORT: serviceEnv.QUERY_RPC_PORT,
    QUERY_CATALOGUE_REFRESH_MS: envInt(5_000, { min: 100, max: 3_600_000 }),
    QUERY_REFRESH_MS: envInt(5_000, { min: 100, max: 3_600_000 }),
    QUERY_REDIS_TIMEOUT_MS: envInt(500, { min: 10, max: 60_000 }),
    QUERY_PRIOR_WEIGHT: envInt(DEFAULT_SHRINKAGE.priorWeight, { min: 0, max: 10_000 }),
    QUERY_CLUSTER_PRIOR_WEIGHT: envInt(DEFAULT_SHRINKAGE.clusterPriorWeight, {
      min: 0,
      max: 10_000,
    }),
    QUERY_MIN_SUPPORT: envInt(DEFAULT_SHRINKAGE.minSupport, { min: 1, max: 1_000_000 }),
    QUERY_CANDIDATE_SHARE: envNumber(0, { min: 0, max: 1 }),
  })
  .extend(redisEnvSchema.shape)
  .extend(loggingEnvSchema.shape)
  .extend(accessEnvSchema.shape)
  .extend(httpLimitsEnvSchema.shape)
  .transform((env, ctx): QueryConfig => {
    if (env.QUERY_RPC_PORT === env.QUERY_PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUERY_RPC_PORT'],
        message: `the HTTP server listens on ${env.QUERY_PORT} (QUERY_PORT); expected another port`,
      });
    }
    return {
      redis: toRedisConfig(env, ctx),
      logLevel: env.LOG_LEVEL,
      port: env.QUERY_PORT,
      rpc: {
        host: env.QUERY_RPC_HOST,
        port: env.QUERY_RPC_PORT,
        hostVariable: 'QUERY_RPC_HOST',
        portVariable: 'QUERY_RPC_PORT',
      },
      catalogueRefreshMs: env.QUERY_CATALOGUE_REFRESH_MS,
      refreshMs: env.QUERY_REFRESH_MS,
      redisTimeoutMs: env.QUERY_REDIS_TIMEOUT_MS,
      shrinkage: {
        priorWeight: env.QUERY_PRIOR_WEIGHT,
        clusterPriorWeight: env.QUERY_CLUSTER_PRIOR_WEIGHT,
        minSupport: env.QUERY_MIN_SUPPORT,
      },
      variants: { candidateShare: env.QUERY_CANDIDATE_SHARE },
      access: toAccessPolicy(env, ctx),
      httpLimits: toHttpLimits(env),
    };
  });

export interface QueryConfig {
  redis: RedisConfig;
  logLevel: LogLevelName;
  port: number;
  /** The NestJS TCP RPC server. */
  rpc: ListenAddress;
  /** How often the movie catalogue's version is asked for; the catalogue is read when it moved. */
  catalogueRefreshMs: number;
  refreshMs: number;
  redisTimeoutMs: number;
  shrinkage: ShrinkageSettings;
  /** The share of users answered from the candidate model, while one is published. */
  variants: VariantSettings;
  /** Who may call the admin routes (profile writes, deletion) and, optionally, the reads. */
  access: AccessPolicy;
  httpLimits: HttpLimits;
}
