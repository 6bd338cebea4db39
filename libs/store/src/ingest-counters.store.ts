import { internalsOf, type RedisConnection } from './redis-connection';

export interface IngestTotals {
  /** Events applied, re-deliveries included: at-least-once delivery counts a replay again. */
  events: number;
  deadLettered: number;
}

/** Counts of ingestion over all ingest processes: statistics, not state. */
export class IngestCounters {
  constructor(private readonly connection: RedisConnection) {}

  /**
   * Counts a handled batch: events applied (toward the next recluster, and in total) and
   * dead-lettered. Called only once the batch's writes landed, so an unchanged count means
   * unchanged aggregates to a reader. A batch replayed after a failure is counted again.
   */
  async countBatch(applied: number, deadLettered: number): Promise<void> {
    const { client, keys } = internalsOf(this.connection);
    await Promise.all([
      applied > 0 ? client.incrby(keys.eventsSinceRecluster(), applied) : undefined,
      applied > 0 ? client.hincrby(keys.ingestTotals(), 'events', applied) : undefined,
      deadLettered > 0
        ? client.hincrby(keys.ingestTotals(), 'deadLettered', deadLettered)
        : undefined,
    ]);
  }

  async totals(): Promise<IngestTotals> {
    const { client, keys } = internalsOf(this.connection);
    const totals = await client.hgetall(keys.ingestTotals());
    return { events: Number(totals.events ?? 0), deadLettered: Number(totals.deadLettered ?? 0) };
  }
}
