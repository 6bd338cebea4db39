import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { type RedisConfig, type ReplicaAcks } from '@app/config';
import { type RedisClient } from './lua-script';
import { RedisKeys } from './redis-keys';

export interface RedisConnectionOptions {
  /**
   * Told about connection errors (ioredis reconnects by itself). Without a listener ioredis
   * prints each one as plain text; a service logs them, rate-limited, as JSON lines.
   */
  onError?: (error: Error) => void;
  /**
   * For request paths: while Redis is unreachable a command fails at once (no offline queue)
   * and any command fails after this many milliseconds, so a caller can answer 503 quickly.
   * Each command is written at once: a request sends a single command, and gathering those of
   * concurrent requests into pipelines cost more than it saved (fewer requests per second,
   * a longer tail; see docs/benchmarks.md). Without it, commands issued in the same tick are
   * sent to a single server as one pipeline (auto-pipelining); never to a Redis Cluster.
   */
  failFastMs?: number;
}

/** What the stores of libs/store reach through a connection; nothing outside the lib does. */
export interface StoreInternals {
  client: RedisClient;
  keys: RedisKeys;
  config: RedisConfig;
}

const internals = new WeakMap<RedisConnection, StoreInternals>();

/** The client, key names and config behind a connection, for the stores of this lib. */
export function internalsOf(connection: RedisConnection): StoreInternals {
  const found = internals.get(connection);
  if (found === undefined) throw new Error('not a RedisConnection');
  return found;
}

/**
 * One connection to Redis (a node, or a Redis Cluster through its seed nodes), shared by the
 * stores a service uses. It is built from validated config, and closes at application shutdown,
 * after every module's onModuleDestroy, where consumers finish their batch and the servers stop
 * taking requests. Its client and the key names stay inside libs/store.
 */
export class RedisConnection {
  private readonly client: RedisClient;
  private lastError: Error | undefined;

  constructor(
    private readonly config: RedisConfig,
    options: RedisConnectionOptions | RedisClient = {},
  ) {
    this.client = isClient(options) ? options : createRedisClient(config, options);
    const onError = isClient(options) ? undefined : options.onError;
    this.client.on('error', (error: Error) => {
      this.lastError = error;
      onError?.(error);
    });
    internals.set(this, { client: this.client, keys: new RedisKeys(config.keyPrefix), config });
  }

  /**
   * Resolves once connected; rejects with a RedisUnreachableError naming REDIS_URL and the last
   * connection error after `timeoutMs`. For command-line tools, which have nothing to do without
   * Redis.
   */
  async ready(timeoutMs: number): Promise<void> {
    if (!(await this.connected(timeoutMs))) {
      throw new RedisUnreachableError(this.config.url, timeoutMs, this.lastError);
    }
  }

  /** Resolves true once connected, or false after `timeoutMs` without a connection. */
  async connected(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  /**
   * Resolves once the writes this connection sent so far are held by as many replicas of every
   * primary as REDIS_REPLICA_ACKS asks (Redis WAIT); at once when it asks for none. Rejects with
   * a ReplicaAckError when a primary has fewer within REDIS_REPLICA_ACK_TIMEOUT_MS, as after a
   * failover, until the lost node is back as a replica.
   */
  async replicated(): Promise<void> {
    const acks = this.config.replicaAcks;
    if (acks === undefined) return;
    // A cluster client learns its primaries on connecting: before its first command, it knows none.
    if (this.client instanceof Cluster && this.client.status !== 'ready') await this.client.ping();
    const primaries = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    if (primaries.length === 0)
      throw new ReplicaAckError('the cluster (no primary known yet)', 0, acks);
    await Promise.all(
      primaries.map(async (primary) => {
        const held = Number(await primary.call('WAIT', acks.replicas, acks.timeoutMs));
        if (held < acks.replicas) {
          const { host, port } = primary.options;
          throw new ReplicaAckError(`${host}:${port}`, held, acks);
        }
      }),
    );
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    await this.client.quit().catch(() => {
      this.client.disconnect();
    });
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

/**
 * Splits items into script calls: by hash slot on Redis Cluster (a script may only touch one
 * slot), and in every case into chunks small enough not to stall Redis for other clients.
 */
export function chunksBySlot<T>(
  config: RedisConfig,
  items: readonly T[],
  tagOf: (item: T) => string,
  size = config.scriptBatchUsers,
): T[][] {
  const buckets = new Map<number, T[]>();
  for (const item of items) {
    const slot = config.cluster ? calculateSlot(tagOf(item)) : 0;
    const bucket = buckets.get(slot);
    if (bucket) bucket.push(item);
    else buckets.set(slot, [item]);
  }
  const chunks: T[][] = [];
  for (const bucket of buckets.values()) {
    for (let i = 0; i < bucket.length; i += size) chunks.push(bucket.slice(i, i + size));
  }
  return chunks;
}

/** No Redis answered at the configured address in time. */
export class RedisUnreachableError extends Error {
  readonly code = 'REDIS_UNREACHABLE';

  constructor(url: string, timeoutMs: number, cause: Error | undefined) {
    super(
      `REDIS_URL: no Redis answered at ${withoutPassword(url)} within ${timeoutMs / 1000} s` +
        (cause === undefined ? '' : ` (${cause.message})`),
      { cause },
    );
    this.name = 'RedisUnreachableError';
  }
}

/** A primary's replicas did not acknowledge writes in time (REDIS_REPLICA_ACKS). */
export class ReplicaAckError extends Error {
  constructor(primary: string, held: number, { replicas, timeoutMs }: ReplicaAcks) {
    super(
      `REDIS_REPLICA_ACKS: ${held} of the ${replicas} replica(s) asked for held the writes to ` +
        `${primary} within ${timeoutMs} ms`,
    );
    this.name = 'ReplicaAckError';
  }
}

/** A Redis URL fit for a log line: any password replaced. */
export function withoutPassword(url: string): string {
  return url
    .split(',')
    .map((one) => {
      try {
        const parsed = new URL(one.trim());
        if (parsed.password) parsed.password = '***';
        return parsed.toString().replace(/\/$/, '');
      } catch {
        return one;
      }
    })
    .join(',');
}

const isClient = (value: RedisConnectionOptions | RedisClient): value is RedisClient =>
  value instanceof Redis || value instanceof Cluster || 'evalsha' in value;

/** The ioredis client for a validated config: a node, or a Redis Cluster from its seeds. */
export function createRedisClient(
  config: RedisConfig,
  { failFastMs }: RedisConnectionOptions,
): RedisClient {
  const urls = config.url.split(',').map((url) => new URL(url.trim()));
  const [first] = urls;
  if (first === undefined) throw new Error('REDIS_URL names no server');
  const autoPipelining = failFastMs === undefined;
  const options: RedisOptions = {
    enableAutoPipelining: autoPipelining,
    // Callers retry whole idempotent batches; a command should fail rather than wait forever.
    maxRetriesPerRequest: 2,
    ...(failFastMs === undefined
      ? {}
      : { enableOfflineQueue: false, commandTimeout: failFastMs, maxRetriesPerRequest: 0 }),
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  if (config.cluster) {
    return new Cluster(
      urls.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })),
      {
        // Never auto-pipelined: after a failover, or while slots move, a pipeline whose commands
        // meet redirections to several slots fails them all (ioredis follows a pipeline's
        // redirection only when every reply is the same one), where a lone command is redirected.
        enableAutoPipelining: false,
        enableOfflineQueue: failFastMs === undefined,
        redisOptions: { ...options, enableAutoPipelining: false },
      },
    );
  }
  return new Redis({
    ...options,
    host: first.hostname,
    port: Number(first.port || 6379),
    db: first.pathname.length > 1 ? Number(first.pathname.slice(1)) : 0,
  });
}
