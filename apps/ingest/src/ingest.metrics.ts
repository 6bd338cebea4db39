import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type BatchReport, type IngestObserver } from '@app/ingest';
import { type ConsumerObserver, type PartitionLag } from '@app/kafka';

/** The ingest series of docs/operations.md, fed by the batch handler and the consumer. */
export class IngestMetrics implements IngestObserver, ConsumerObserver {
  private readonly consumed: Counter<'topic'>;
  private readonly deadLettered: Counter<'topic'>;
  private readonly batchDuration: Histogram<'topic'>;
  private readonly lag: Gauge<'topic' | 'partition'>;

  constructor(registry: Registry, topics: readonly string[]) {
    const registers = [registry];
    this.consumed = new Counter({
      name: 'recommender_events_consumed_total',
      help: 'Events applied to Redis',
      labelNames: ['topic'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'recommender_events_dead_lettered_total',
      help: 'Events rejected to <topic>.dlq',
      labelNames: ['topic'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'recommender_batch_duration_seconds',
      help: 'Time to validate and apply one batch',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.lag = new Gauge({
      name: 'recommender_consumer_lag',
      help: 'Messages not yet consumed, per partition this replica owns',
      labelNames: ['topic', 'partition'],
      registers,
    });
    // Zero rather than absent before the first event, so rate() and alerts see the series.
    for (const topic of topics) {
      this.consumed.inc({ topic }, 0);
      this.deadLettered.inc({ topic }, 0);
    }
  }

  batchHandled({ topic, applied, deadLettered, seconds }: BatchReport): void {
    this.consumed.inc({ topic }, applied);
    this.deadLettered.inc({ topic }, deadLettered);
    this.batchDuration.observe({ topic }, seconds);
  }

  /** Partitions no longer owned disappear, so summing over replicas counts each one once. */
  lagChanged(lags: readonly PartitionLag[]): void {
    this.lag.reset();
    for (const { topic, partition, lag } of lags) {
      this.lag.set({ topic, partition: String(partition) }, lag);
    }
  }
}
