import { Registry } from 'prom-client';
import { type ReclusterOutcome } from '@app/recluster';
import { type ModelHistoryReader, ReclusterMetrics } from './recluster.metrics';

const aPublishedOutcome = (seconds: number): ReclusterOutcome => ({
  status: 'published',
  version: 1,
  fencingToken: 1,
  seconds,
  model: {
    clusters: 2,
    users: 5,
    ratings: 20,
    inertia: 1.5,
    iterations: 4,
    sizesBefore: [3, 2],
    sizesAfter: [3, 2],
    movedByMerge: 0,
  },
});

class FakeModels implements ModelHistoryReader {
  current: number | undefined;
  history: { version: number; info: Record<string, string> }[] = [];
  failing = false;

  currentModelVersion(): Promise<number | undefined> {
    return this.failing
      ? Promise.reject(new Error('Redis is down'))
      : Promise.resolve(this.current);
  }

  modelHistory(): Promise<{ version: number; info: Record<string, string> }[]> {
    return Promise.resolve(this.history);
  }
}

async function valuesOf(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return new Map(metric.values.map((v) => [JSON.stringify(v.labels), v.value]));
}

describe(ReclusterMetrics.name, () => {
  it('counts published models by kind and times only re-clusterings', async () => {
    const registry = new Registry();
    const sut = new ReclusterMetrics(registry, new FakeModels());

    sut.finished('recluster', aPublishedOutcome(12));
    sut.finished('recluster', { status: 'skipped', reason: 'another recluster holds the lock' });
    sut.finished('rollback', aPublishedOutcome(0.2));

    const published = await valuesOf(registry, 'recommender_models_published_total');
    expect(published.get('{"kind":"recluster"}')).toBe(1);
    expect(published.get('{"kind":"rollback"}')).toBe(1);
    const text = await registry.metrics();
    expect(text).toMatch(/^recommender_recluster_duration_seconds_count 1$/m);
    expect(text).toMatch(/^recommender_recluster_duration_seconds_sum 12$/m);
  });

  it('reports the inertia and cluster sizes of the current model, whoever published it', async () => {
    const registry = new Registry();
    const models = new FakeModels();
    new ReclusterMetrics(registry, models);
    models.current = 4;
    models.history = [
      { version: 3, info: { inertia: '9', sizes: '[1,1]' } },
      { version: 4, info: { inertia: '2.25', sizes: '[10,7,3]' } },
    ];

    expect((await valuesOf(registry, 'recommender_model_inertia')).get('{}')).toBe(2.25);
    expect(await valuesOf(registry, 'recommender_cluster_size')).toEqual(
      new Map([
        ['{"cluster":"0"}', 10],
        ['{"cluster":"1"}', 7],
        ['{"cluster":"2"}', 3],
      ]),
    );
  });

  it('keeps the last values rather than failing the scrape while Redis is unreachable', async () => {
    const registry = new Registry();
    const models = new FakeModels();
    new ReclusterMetrics(registry, models);
    models.current = 1;
    models.history = [{ version: 1, info: { inertia: '5', sizes: '[4,4]' } }];
    await registry.metrics();

    models.failing = true;
    const text = await registry.metrics();

    expect(text).toMatch(/^recommender_model_inertia 5$/m);
    expect(text).toMatch(/^recommender_cluster_size\{cluster="1"\} 4$/m);
  });
});
