import { Registry } from 'prom-client';
import { IngestMetrics } from './ingest.metrics';

const TOPICS = ['ratings', 'favourites'];

async function samplesOf(registry: Registry, name: string) {
  return (await registry.getSingleMetric(name)!.get()).values;
}

describe(IngestMetrics.name, () => {
  it('shows every topic at zero before the first event', async () => {
    const registry = new Registry();
    new IngestMetrics(registry, TOPICS);

    for (const name of [
      'recommender_events_consumed_total',
      'recommender_events_dead_lettered_total',
    ]) {
      expect(await samplesOf(registry, name)).toEqual([
        expect.objectContaining({ labels: { topic: 'ratings' }, value: 0 }),
        expect.objectContaining({ labels: { topic: 'favourites' }, value: 0 }),
      ]);
    }
  });

  it('counts applied and dead-lettered events per topic and times each batch', async () => {
    const registry = new Registry();
    const sut = new IngestMetrics(registry, TOPICS);

    sut.batchHandled({ topic: 'ratings', applied: 98, deadLettered: 2, seconds: 0.03 });
    sut.batchHandled({ topic: 'ratings', applied: 50, deadLettered: 0, seconds: 0.01 });
    sut.batchHandled({ topic: 'favourites', applied: 7, deadLettered: 1, seconds: 0.002 });

    const text = await registry.metrics();
    expect(text).toMatch(/^recommender_events_consumed_total\{topic="ratings"\} 148$/m);
    expect(text).toMatch(/^recommender_events_consumed_total\{topic="favourites"\} 7$/m);
    expect(text).toMatch(/^recommender_events_dead_lettered_total\{topic="ratings"\} 2$/m);
    expect(text).toMatch(/^recommender_batch_duration_seconds_count\{topic="ratings"\} 2$/m);
  });

  it('reports the lag of the partitions owned now, dropping those given away', async () => {
    const registry = new Registry();
    const sut = new IngestMetrics(registry, TOPICS);

    sut.lagChanged([
      { topic: 'ratings', partition: 0, lag: 10 },
      { topic: 'ratings', partition: 1, lag: 3 },
    ]);
    sut.lagChanged([{ topic: 'ratings', partition: 1, lag: 0 }]);

    expect(await samplesOf(registry, 'recommender_consumer_lag')).toEqual([
      expect.objectContaining({ labels: { topic: 'ratings', partition: '1' }, value: 0 }),
    ]);
  });
});
