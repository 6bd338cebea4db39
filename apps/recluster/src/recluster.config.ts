import { z } from 'zod';
import { DEFAULT_MODEL_SETTINGS, MATRIX_VALUES } from '@app/clustering';
import {
  envBool,
  envInt,
  envNumber,
  loggingEnvSchema,
  type LogLevelName,
  type RedisConfig,
  redisEnvSchema,
  serviceEnv,
  toRedisConfig,
} from '@app/config';
import { MAX_RATING, MIN_RATING } from '@app/events';
import { DEFAULT_ALS_SETTINGS } from '@app/factorization';
import {
  type AccessPolicy,
  accessEnvSchema,
  type HttpLimits,
  httpLimitsEnvSchema,
  toAccessPolicy,
  toHttpLimits,
} from '@app/http';
import { type ReclusterSettings } from '@app/recluster';
import { DEFAULT_ITEM_KNN } from '@app/recommend';

export const reclusterEnvSchema = z
  .object({
    RECLUSTER_K: envInt(DEFAULT_MODEL_SETTINGS.k, { min: 1, max: 10_000 }),
    RECLUSTER_MIN_CLUSTER_SIZE: envInt(DEFAULT_MODEL_SETTINGS.minClusterSize, {
      min: 1,
      max: 10_000_000,
    }),
    RECLUSTER_VALUES: z
      .enum(MATRIX_VALUES, {
        error: (issue) =>
          `expected one of ${MATRIX_VALUES.join(', ')}, got "${String(issue.input)}"`,
      })
      .default(DEFAULT_MODEL_SETTINGS.values),
    RECLUSTER_NORMALIZE_ROWS: envBool(DEFAULT_MODEL_SETTINGS.normalize),
    RECLUSTER_FAVOURITE_MIN_RATING: envNumber(DEFAULT_MODEL_SETTINGS.favouriteMinRating, {
      min: MIN_RATING,
      max: MAX_RATING,
    }),
    RECLUSTER_SEED: envInt(DEFAULT_MODEL_SETTINGS.seed),
    RECLUSTER_RESTARTS: envInt(DEFAULT_MODEL_SETTINGS.restarts, { min: 1, max: 100 }),
    RECLUSTER_ALS: envBool(false),
    RECLUSTER_ALS_FACTORS: envInt(DEFAULT_ALS_SETTINGS.factors, { min: 1, max: 256 }),
    RECLUSTER_ALS_ITERATIONS: envInt(DEFAULT_ALS_SETTINGS.iterations, { min: 1, max: 100 }),
    RECLUSTER_ALS_REGULARIZATION: envNumber(DEFAULT_ALS_SETTINGS.regularization, {
      min: 1e-6,
      max: 100,
    }),
    RECLUSTER_ITEM_KNN: envBool(false),
    RECLUSTER_ITEM_KNN_NEIGHBOURS: envInt(DEFAULT_ITEM_KNN.neighbours, { min: 1, max: 1_000 }),
    RECLUSTER_DEMOGRAPHIC_K: envInt(8, { min: 1, max: 1_000 }),
    RECLUSTER_KEEP_VERSIONS: envInt(3, { min: 1, max: 100 }),
    RECLUSTER_LOCK_TTL_MS: envInt(60_000, { min: 1_000, max: 3_600_000 }),
    RECLUSTER_INTERVAL_MS: envInt(3_600_000, { min: 1_000 }),
    RECLUSTER_AFTER_EVENTS: envInt(100_000, { min: 1 }),
    RECLUSTER_POLL_MS: envInt(5_000, { min: 100, max: 3_600_000 }),
    RECLUSTER_PORT: serviceEnv.RECLUSTER_PORT,
  })
  .extend(redisEnvSchema.shape)
  .extend(loggingEnvSchema.shape)
  .extend(accessEnvSchema.shape)
  .extend(httpLimitsEnvSchema.shape)
  .transform((env, ctx): ReclusterConfig => ({
    redis: toRedisConfig(env, ctx),
    logLevel: env.LOG_LEVEL,
    settings: {
      k: env.RECLUSTER_K,
      minClusterSize: env.RECLUSTER_MIN_CLUSTER_SIZE,
      values: env.RECLUSTER_VALUES,
      normalize: env.RECLUSTER_NORMALIZE_ROWS,
      favouriteMinRating: env.RECLUSTER_FAVOURITE_MIN_RATING,
      seed: env.RECLUSTER_SEED,
      restarts: env.RECLUSTER_RESTARTS,
      demographicK: env.RECLUSTER_DEMOGRAPHIC_K,
      keepVersions: env.RECLUSTER_KEEP_VERSIONS,
      lockTtlMs: env.RECLUSTER_LOCK_TTL_MS,
      ...(env.RECLUSTER_ALS
        ? {
            als: {
              factors: env.RECLUSTER_ALS_FACTORS,
              iterations: env.RECLUSTER_ALS_ITERATIONS,
              regularization: env.RECLUSTER_ALS_REGULARIZATION,
              seed: env.RECLUSTER_SEED,
            },
          }
        : {}),
      ...(env.RECLUSTER_ITEM_KNN
        ? { itemKnn: { neighbours: env.RECLUSTER_ITEM_KNN_NEIGHBOURS } }
        : {}),
    },
    intervalMs: env.RECLUSTER_INTERVAL_MS,
    afterEvents: env.RECLUSTER_AFTER_EVENTS,
    pollMs: env.RECLUSTER_POLL_MS,
    port: env.RECLUSTER_PORT,
    access: toAccessPolicy(env, ctx),
    httpLimits: toHttpLimits(env),
  }));

export interface ReclusterConfig {
  redis: RedisConfig;
  logLevel: LogLevelName;
  settings: ReclusterSettings;
  /** Every replica polls; one run per interval (or per `afterEvents`) across the deployment. */
  intervalMs: number;
  afterEvents: number;
  pollMs: number;
  port: number;
  /** Who may recluster, roll back, resume, and (with READ_TOKEN) list the models. */
  access: AccessPolicy;
  httpLimits: HttpLimits;
}
