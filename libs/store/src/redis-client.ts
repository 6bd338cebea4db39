import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { type RedisConfig } from '@app/config';
import { type RedisClient } from './lua-script';

/**
 * Builds the ioredis client for a validated config. Commands issued in the same tick are sent as
 * one pipeline (auto-pipelining), per node on Redis Cluster, except on request paths.
 */
export interface RedisClientOptions {
  /**
   * For request paths: while Redis is unreachable a command fails at once (no offline queue)
   * and any command fails after this many milliseconds, so a caller can answer 503 quickly.
   * Each command is written at once: a request sends a single command, and gathering those of
   * concurrent requests into pipelines cost more than it saved (fewer requests per second,
   * a longer tail; see docs/benchmarks.md).
   */
  failFastMs?: number;
}

export function createRedisClient(
  config: RedisConfig,
  { failFastMs }: RedisClientOptions = {},
): RedisClient {
  const url = new URL(config.url);
  const autoPipelining = failFastMs === undefined;
  const options: RedisOptions = {
    enableAutoPipelining: autoPipelining,
    // Callers retry whole idempotent batches; a command should fail rather than wait forever.
    maxRetriesPerRequest: 2,
    ...(failFastMs === undefined
      ? {}
      : { enableOfflineQueue: false, commandTimeout: failFastMs, maxRetriesPerRequest: 0 }),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  if (config.cluster) {
    return new Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
      enableAutoPipelining: autoPipelining,
      enableOfflineQueue: failFastMs === undefined,
      redisOptions: options,
    });
  }
  return new Redis({
    ...options,
    host: url.hostname,
    port: Number(url.port || 6379),
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
  });
}
