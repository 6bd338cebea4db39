import { z } from 'zod';
import { envBool, envInt } from './env-fields';

export const redisEnvSchema = z.object({
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' })
    .default('redis://127.0.0.1:6379'),
  REDIS_PASSWORD: z.string().min(1, 'expected a non-empty password').optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, "_", "." or "-"')
    .default('mr'),
  REDIS_CLUSTER: envBool(false),
  REDIS_SCRIPT_BATCH_USERS: envInt(500, { min: 1, max: 100_000 }),
});

export type RedisEnv = z.output<typeof redisEnvSchema>;

export interface RedisConfig {
  /** May carry a user and password; `rediss://` means TLS. */
  url: string;
  /** Overrides the URL's password, so the secret can live apart from the address. */
  password?: string;
  keyPrefix: string;
  /** Redis Cluster: multi-key scripts are grouped by hash slot instead of sent in one call. */
  cluster: boolean;
  /** Users per Lua call: bounds how long one call holds the Redis event loop. */
  scriptBatchUsers: number;
}

export const toRedisConfig = (env: RedisEnv): RedisConfig => ({
  url: env.REDIS_URL,
  ...(env.REDIS_PASSWORD === undefined ? {} : { password: env.REDIS_PASSWORD }),
  keyPrefix: env.REDIS_KEY_PREFIX,
  cluster: env.REDIS_CLUSTER,
  scriptBatchUsers: env.REDIS_SCRIPT_BATCH_USERS,
});
