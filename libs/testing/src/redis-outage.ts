import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { type RedisConfig } from '@app/config';
import { stackUp } from './local-stack';
import { clusterNodes, seedNode } from './redis-nodes';
import { TcpProxy } from './tcp-proxy';

/**
 * Takes Redis away from the services under test and brings it back, with its data intact.
 *
 * One server is reached through a loopback proxy that is cut and restored: services use
 * `config`, whose URL names the proxy. A Redis Cluster cannot be proxied (its nodes tell clients
 * their own addresses), so the outage is real: every node is shut down (SIGTERM, so each writes
 * its append-only file, and all together, so no replica takes over) and `end` starts them again
 * with `deploy/local/stack.sh up`, in the mode and on the ports of this process's environment.
 */
export interface RedisOutage {
  /** What the services under test connect with. */
  readonly config: RedisConfig;
  begin(): Promise<void>;
  end(): Promise<void>;
  /** Ends the outage if it is on, and releases the proxy. */
  close(): Promise<void>;
}

export async function redisOutage(config: RedisConfig): Promise<RedisOutage> {
  return config.cluster ? new ClusterOutage(config) : ProxyOutage.start(config);
}

class ProxyOutage implements RedisOutage {
  private constructor(
    private readonly proxy: TcpProxy,
    readonly config: RedisConfig,
  ) {}

  static async start(config: RedisConfig): Promise<ProxyOutage> {
    const target = new URL(config.url);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
    target.hostname = '127.0.0.1';
    target.port = String(proxy.port);
    return new ProxyOutage(proxy, { ...config, url: target.toString() });
  }

  begin(): Promise<void> {
    return this.proxy.cut();
  }

  async end(): Promise<void> {
    await this.proxy.start();
  }

  close(): Promise<void> {
    return this.proxy.cut();
  }
}

class ClusterOutage implements RedisOutage {
  private down = false;

  constructor(readonly config: RedisConfig) {}

  async begin(): Promise<void> {
    const seed = seedNode(this.config.url);
    const pids: number[] = [];
    try {
      await seed.connect();
      for (const { host, port } of await clusterNodes(seed)) {
        const node = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await node.connect();
          const info = await node.info('server');
          const pid = /process_id:(\d+)/.exec(info)?.[1];
          if (pid === undefined) throw new Error(`${host}:${port} did not tell its process id`);
          pids.push(Number(pid));
        } finally {
          node.disconnect();
        }
      }
    } finally {
      seed.disconnect();
    }
    this.down = true;
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    for (const pid of pids) {
      while (isRunning(pid)) await sleep(50);
    }
  }

  async end(): Promise<void> {
    if (!this.down) return;
    await stackUp();
    this.down = false;
  }

  close(): Promise<void> {
    return this.end();
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
