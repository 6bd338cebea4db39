import { z } from 'zod';
import { envBool, envInt, hostProblem, portProblem } from './env-fields';

const URL_EXPECTED =
  'expected a redis:// or rediss:// URL, or several separated by commas (cluster seeds)';

/** Why one URL of REDIS_URL cannot name a Redis server, or undefined. */
export function redisUrlProblem(raw: string): string | undefined {
  if (!URL.canParse(raw)) return `${URL_EXPECTED}, got "${raw}"`;
  const url = new URL(raw);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return `${URL_EXPECTED}, got "${url.protocol}" in "${raw}"`;
  }
  if (url.hostname === '') return `expected a host in "${raw}"`;
  // The URL keeps an IPv6 address in brackets, and a non-special URL any digits as they are.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const problem = hostProblem(host) ?? (url.port === '' ? undefined : portProblem(url.port));
  return problem === undefined ? undefined : `${problem} in "${raw}"`;
}

export const redisEnvSchema = z.object({
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .superRefine((raw, ctx) => {
      for (const url of raw.split(',')) {
        const problem = redisUrlProblem(url.trim());
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      }
    }),
  REDIS_PASSWORD: z.string().min(1, 'expected a non-empty password').optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, "_", "." or "-"')
    .default('mr'),
  REDIS_CLUSTER: envBool(false),
  REDIS_SCRIPT_BATCH_USERS: envInt(500, { min: 1, max: 100_000 }),
  REDIS_REPLICA_ACKS: envInt(0, { min: 0, max: 16 }),
  REDIS_REPLICA_ACK_TIMEOUT_MS: envInt(2_000, { min: 1, max: 60_000 }),
});

export type RedisEnv = z.output<typeof redisEnvSchema>;

export interface RedisConfig {
  /**
   * May carry a user and password; `rediss://` means TLS. With `cluster`, several URLs separated
   * by commas are the seed nodes the client discovers the cluster from.
   */
  url: string;
  /** Overrides the URL's password, so the secret can live apart from the address. */
  password?: string;
  keyPrefix: string;
  /** Redis Cluster: multi-key scripts are grouped by hash slot instead of sent in one call. */
  cluster: boolean;
  /** Users per Lua call: bounds how long one call holds the Redis event loop. */
  scriptBatchUsers: number;
  /**
   * Replicas of every primary that must hold a batch's writes before ingestion commits its
   * offsets (Redis WAIT), so a failover loses no committed event. Absent: writes count once the
   * primary has them.
   */
  replicaAcks?: ReplicaAcks;
}

export interface ReplicaAcks {
  replicas: number;
  timeoutMs: number;
}

/** Seed URLs are for Redis Cluster: a standalone client would use the first and ignore the rest. */
export function toRedisConfig(env: RedisEnv, ctx?: z.RefinementCtx): RedisConfig {
  if (!env.REDIS_CLUSTER && env.REDIS_URL.includes(',')) {
    ctx?.addIssue({
      code: 'custom',
      path: ['REDIS_URL'],
      message: 'several URLs are seed nodes of a Redis Cluster: set REDIS_CLUSTER=true',
    });
  }
  return {
    url: env.REDIS_URL,
    ...(env.REDIS_PASSWORD === undefined ? {} : { password: env.REDIS_PASSWORD }),
    keyPrefix: env.REDIS_KEY_PREFIX,
    cluster: env.REDIS_CLUSTER,
    scriptBatchUsers: env.REDIS_SCRIPT_BATCH_USERS,
    ...(env.REDIS_REPLICA_ACKS === 0
      ? {}
      : {
          replicaAcks: {
            replicas: env.REDIS_REPLICA_ACKS,
            timeoutMs: env.REDIS_REPLICA_ACK_TIMEOUT_MS,
          },
        }),
  };
}
