import { ackOutboxScript } from './ack-outbox.script';
import { applyClusterDeltasScript } from './apply-cluster-deltas.script';
import { chunksBySlot, internalsOf, type RedisConnection } from './redis-connection';

/** [seq, [[version, cluster]...], {movieId: [sum2 delta, count delta, favourite delta]}]. */
type OutboxEntry = [seq: number, targets: [version: number, cluster: number][], deltas: unknown];

/**
 * Redis Cluster, steps 2 and 3: a user's keys and a cluster's keys sit on different slots, so
 * the user scripts record each user's effect on clusters in the user's outbox; this applies the
 * entries to the clusters (deduplicated per user and sequence number, so a replay is a no-op)
 * and then acknowledges them. A crash at any point is repaired when the batch is replayed: the
 * entries stay in the outbox until acknowledged.
 */
export class OutboxRelay {
  constructor(private readonly connection: RedisConnection) {}

  /** Relays the outbox entries a user-slot script returned for each user of each group. */
  async relay(groups: readonly number[][], replies: readonly string[][][]): Promise<void> {
    const outboxes = new Map<number, OutboxEntry[]>();
    groups.forEach((group, g) => {
      group.forEach((userId, i) => {
        const entries = replies[g]?.[i] ?? [];
        if (entries.length > 0) {
          outboxes.set(
            userId,
            entries.map((raw) => JSON.parse(raw) as OutboxEntry),
          );
        }
      });
    });
    // With REDIS_REPLICA_ACKS, each step starts only once the one before it is on replicas: a
    // failover then never keeps a cluster's delta whose user entry it lost (a replay would
    // number that user's entries anew and skip the new ones), nor an acknowledgement whose
    // delta it lost.
    await this.connection.replicated();
    await this.apply(outboxes);
    await this.connection.replicated();
    await this.acknowledge(outboxes);
  }

  private async apply(outboxes: ReadonlyMap<number, OutboxEntry[]>): Promise<void> {
    const { client, keys, config } = internalsOf(this.connection);
    const byCluster = new Map<string, { version: number; cluster: number; entries: unknown[] }>();
    for (const [userId, entries] of outboxes) {
      for (const [seq, targets, deltas] of entries) {
        for (const [version, cluster] of targets) {
          const id = `${version}:${cluster}`;
          let target = byCluster.get(id);
          if (!target) {
            target = { version, cluster, entries: [] };
            byCluster.set(id, target);
          }
          target.entries.push([String(userId), seq, deltas]);
        }
      }
    }
    const groups = chunksBySlot(config, [...byCluster.values()], (t) =>
      keys.clusterTag(t.version, t.cluster),
    );
    await Promise.all(
      groups.map((group) =>
        applyClusterDeltasScript.run(
          client,
          group.flatMap(({ version, cluster }) => [
            ...keys.clusterAggregateKeys(version, cluster),
            keys.clusterApplied(version, cluster),
          ]),
          [JSON.stringify(group.map((t) => t.entries))],
        ),
      ),
    );
  }

  private async acknowledge(outboxes: ReadonlyMap<number, OutboxEntry[]>): Promise<void> {
    const { client, keys, config } = internalsOf(this.connection);
    const groups = chunksBySlot(config, [...outboxes.keys()], (userId) => keys.userTag(userId));
    await Promise.all(
      groups.map((group) =>
        ackOutboxScript.run(
          client,
          group.map((userId) => keys.userOutbox(userId)),
          group.map((userId) => {
            const entries = outboxes.get(userId) ?? [];
            return String(Math.max(...entries.map(([seq]) => seq)));
          }),
        ),
      ),
    );
  }
}
