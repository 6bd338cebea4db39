import { Redis } from 'ioredis';

/**
 * Raw access to the servers behind a REDIS_URL, for tests, benchmarks and their clean-up: its
 * one server, or every primary of a Redis Cluster. Depends on ioredis alone, so the test
 * runner's global teardown can load it too.
 */

/** Connects to the first server a REDIS_URL names (one of a cluster's seeds). */
export function seedNode(url: string): Redis {
  const [first] = url.split(',');
  return new Redis((first ?? url).trim(), { lazyConnect: true, maxRetriesPerRequest: 1 });
}

/** Runs `use` on a connection to each server holding keys: the server, or the cluster's primaries. */
export async function forEachPrimary(
  url: string,
  cluster: boolean,
  use: (node: Redis) => Promise<void>,
): Promise<void> {
  const seed = seedNode(url);
  try {
    await seed.connect();
    if (!cluster) {
      await use(seed);
      return;
    }
    for (const { host, port } of await clusterNodes(seed, 'primaries')) {
      const node = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await node.connect();
        await use(node);
      } finally {
        node.disconnect();
      }
    }
  } finally {
    seed.disconnect();
  }
}

/** The keys matching a pattern, from every primary (in no order). */
export async function keysMatching(
  url: string,
  cluster: boolean,
  pattern: string,
): Promise<string[]> {
  const found: string[] = [];
  await forEachPrimary(url, cluster, async (node) => {
    found.push(...(await scan(node, pattern)));
  });
  return found;
}

/** Removes the keys matching a pattern from every primary. */
export async function unlinkMatching(
  url: string,
  cluster: boolean,
  pattern: string,
): Promise<void> {
  await forEachPrimary(url, cluster, async (node) => {
    // One key a command: keys of different slots cannot share one on Redis Cluster.
    await Promise.all((await scan(node, pattern)).map((key) => node.unlink(key)));
  });
}

async function scan(node: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export interface NodeAddress {
  id: string;
  host: string;
  port: number;
  primary: boolean;
}

/** The nodes of the cluster a seed belongs to, as CLUSTER NODES lists them. */
export async function clusterNodes(
  seed: Redis,
  which: 'all' | 'primaries' = 'all',
): Promise<NodeAddress[]> {
  const listing = (await seed.call('CLUSTER', 'NODES')) as string;
  return listing
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const [id = '', address = '', flags = ''] = line.split(' ');
      const [hostPort = ''] = address.split('@');
      const separator = hostPort.lastIndexOf(':');
      const roles = flags.split(',');
      const primary = roles.includes('master');
      if (roles.some((flag) => flag === 'fail' || flag === 'noaddr')) return [];
      if (which === 'primaries' && !primary) return [];
      return [
        {
          id,
          host: hostPort.slice(0, separator) || '127.0.0.1',
          port: Number(hostPort.slice(separator + 1)),
          primary,
        },
      ];
    });
}
