import { forEachPrimary, isolatedEnvironment } from '@app/testing';
import { RedisConnection, ReplicaAckError } from './redis-connection';
import { isRedisUnavailable } from './redis-unavailable';

/** The fewest replicas any primary has: none on one server, one each on the project's cluster. */
async function fewestReplicas(url: string, cluster: boolean): Promise<number> {
  const counts: number[] = [];
  await forEachPrimary(url, cluster, async (primary) => {
    const info = await primary.info('replication');
    counts.push(Number(/connected_slaves:(\d+)/.exec(info)?.[1]));
  });
  return Math.min(...counts);
}

describe(RedisConnection.name, () => {
  describe('replicated', () => {
    it('resolves at once when no replica acknowledgement is asked for', async () => {
      const connection = new RedisConnection(isolatedEnvironment().redis);
      try {
        await expect(connection.replicated()).resolves.toBeUndefined();
      } finally {
        await connection.close();
      }
    });

    it('waits for the replicas there are, and names the primary that lacks one more', async () => {
      const { redis } = isolatedEnvironment();
      const replicas = await fewestReplicas(redis.url, redis.cluster);
      const enough = new RedisConnection({ ...redis, replicaAcks: { replicas, timeoutMs: 1_000 } });
      const tooMany = new RedisConnection({
        ...redis,
        replicaAcks: { replicas: replicas + 1, timeoutMs: 100 },
      });
      try {
        await expect(enough.replicated()).resolves.toBeUndefined();

        const failure = tooMany.replicated();

        await expect(failure).rejects.toThrow(ReplicaAckError);
        await expect(failure).rejects.toThrow(
          new RegExp(`REDIS_REPLICA_ACKS: ${replicas} of the ${replicas + 1} .* within 100 ms`),
        );
        // Not the fault of any event: ingestion retries the batch rather than dead-letter it.
        expect(isRedisUnavailable(await failure.catch((error: unknown) => error))).toBe(true);
      } finally {
        await Promise.all([enough.close(), tooMany.close()]);
      }
    });
  });
});
