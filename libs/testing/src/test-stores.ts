import { Cluster, type Redis } from 'ioredis';
import { type RedisConfig } from '@app/config';
import { type IngestEvent } from '@app/events';
import {
  type ApplyResult,
  ClusterAggregatesStore,
  IngestCounters,
  ModelStore,
  ProfileStore,
  RatingsSnapshotReader,
  RedisConnection,
  ReclusterSchedule,
  UserEventStore,
} from '@app/store';
import { keysMatching, seedNode, unlinkMatching } from './redis-nodes';

/** Every store on one connection, as the services build them, for tests and benchmarks. */
export interface TestStores {
  connection: RedisConnection;
  users: UserEventStore;
  models: ModelStore;
  schedule: ReclusterSchedule;
  counters: IngestCounters;
  profiles: ProfileStore;
  aggregates: ClusterAggregatesStore;
  ratings: RatingsSnapshotReader;
  close(): Promise<void>;
}

export function openStores(
  config: RedisConfig,
  connection = new RedisConnection(config),
): TestStores {
  return {
    connection,
    users: new UserEventStore(connection),
    models: new ModelStore(connection),
    schedule: new ReclusterSchedule(connection),
    counters: new IngestCounters(connection),
    profiles: new ProfileStore(connection),
    aggregates: new ClusterAggregatesStore(connection),
    ratings: new RatingsSnapshotReader(connection),
    close: () => connection.close(),
  };
}

/** Applies events as ingestion does, to the models active now (no placement). */
export async function applyToActiveModels(
  stores: Pick<TestStores, 'users' | 'models'>,
  events: readonly IngestEvent[],
): Promise<ApplyResult> {
  return stores.users.applyEvents(events, await stores.models.activeModels());
}

/** Deletes every key under a config's prefix (benchmarks and tests clean up with it). */
export function deleteKeysOf(config: RedisConfig): Promise<void> {
  return unlinkMatching(config.url, config.cluster, `${config.keyPrefix}:*`);
}

/** The keys under a config's prefix that match a pattern (which starts after the prefix). */
export function keysOf(config: RedisConfig, pattern: string): Promise<string[]> {
  return keysMatching(config.url, config.cluster, `${config.keyPrefix}:${pattern}`);
}

/**
 * A plain client for what tests write and read around the stores: a server's, or a cluster's
 * that follows its redirections.
 */
export function rawRedis(config: RedisConfig): Redis | Cluster {
  if (!config.cluster) return seedNode(config.url);
  const seeds = config.url.split(',').map((url) => {
    const { hostname, port } = new URL(url.trim());
    return { host: hostname, port: Number(port || 6379) };
  });
  return new Cluster(seeds, { lazyConnect: true });
}
