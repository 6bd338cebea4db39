import { Redis } from 'ioredis';
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
export async function deleteKeysOf(config: RedisConfig): Promise<void> {
  const [first] = config.url.split(',');
  const seed = new Redis(first ?? config.url, { lazyConnect: true });
  try {
    await seed.connect();
    const nodes = config.cluster ? await clusterPrimaries(seed) : [seed];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(
          cursor,
          'MATCH',
          `${config.keyPrefix}:*`,
          'COUNT',
          5_000,
        );
        cursor = next;
        // One key a command: keys of different slots cannot share one on Redis Cluster.
        if (keys.length > 0) await Promise.all(keys.map((key) => node.unlink(key)));
      } while (cursor !== '0');
      if (node !== seed) node.disconnect();
    }
  } finally {
    seed.disconnect();
  }
}

/** A connection to each primary of a Redis Cluster, found from one of its nodes. */
async function clusterPrimaries(seed: Redis): Promise<Redis[]> {
  const slots = await seed.cluster('SLOTS');
  const primaries = [
    ...new Set(slots.flatMap(([, , primary]) => (primary ? [`${primary[0]}:${primary[1]}`] : []))),
  ];
  return primaries.map((address) => {
    const [host, port] = address.split(':');
    return new Redis({ host: host ?? '127.0.0.1', port: Number(port) });
  });
}
