import { Registry } from 'prom-client';
import { type ReclusterOutcome } from '@app/recluster';
import { type ModelDescription, type ModelPin } from '@app/store';
import { aModelDescription } from '@app/testing';
import { type ModelStateReader, ReclusterMetrics } from './recluster.metrics';

const aPublishedOutcome = (seconds: number): ReclusterOutcome => ({
  status: 'published',
  version: 1,
  reason: 'requested',
  seconds,
  model: aModelDescription(1, 2, { inertia: 1.5, sizes: [3, 2] }),
});

class FakeState implements ModelStateReader {
  current: number | undefined;
  descriptions = new Map<number, ModelDescription>();
  pinned: ModelPin | undefined;
  failing = false;

  readonly models = {
    currentVersion: (): Promise<number | undefined> =>
      this.failing ? Promise.reject(new Error('Redis is down')) : Promise.resolve(this.current),
    describe: (version: number): Promise<ModelDescription | undefined> =>
      Promise.resolve(this.descriptions.get(version)),
  };

  readonly schedule = { pin: (): Promise<ModelPin | undefined> => Promise.resolve(this.pinned) };
}

async function valuesOf(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return new Map(metric.values.map((v) => [JSON.stringify(v.labels), v.value]));
}

describe(ReclusterMetrics.name, () => {
  it('counts published models by kind and times only re-clusterings', async () => {
    const registry = new Registry();
    const sut = new ReclusterMetrics(registry, new FakeState());

    sut.finished('recluster', aPublishedOutcome(12));
    sut.finished('recluster', { status: 'skipped', reason: 'another recluster holds the lock' });
    sut.finished('rollback', aPublishedOutcome(0.2));
    sut.finished('candidate', aPublishedOutcome(3));

    const published = await valuesOf(registry, 'recommender_models_published_total');
    expect(published.get('{"kind":"recluster"}')).toBe(1);
    expect(published.get('{"kind":"rollback"}')).toBe(1);
    expect(published.get('{"kind":"candidate"}')).toBe(1);
    expect(published.get('{"kind":"promote"}')).toBe(0);
    expect(published.get('{"kind":"discard"}')).toBe(0);
    const text = await registry.metrics();
    expect(text).toMatch(/^recommender_recluster_duration_seconds_count 1$/m);
    expect(text).toMatch(/^recommender_recluster_duration_seconds_sum 12$/m);
  });

  it('reports the inertia and cluster sizes of the current model, whoever published it', async () => {
    const registry = new Registry();
    const state = new FakeState();
    new ReclusterMetrics(registry, state);
    state.current = 4;
    state.descriptions.set(3, aModelDescription(3, 2, { inertia: 9, sizes: [1, 1] }));
    state.descriptions.set(4, aModelDescription(4, 3, { inertia: 2.25, sizes: [10, 7, 3] }));

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
    const state = new FakeState();
    new ReclusterMetrics(registry, state);
    state.current = 1;
    state.descriptions.set(1, aModelDescription(1, 2, { inertia: 5, sizes: [4, 4] }));
    await registry.metrics();

    state.failing = true;
    const text = await registry.metrics();

    expect(text).toMatch(/^recommender_model_inertia 5$/m);
    expect(text).toMatch(/^recommender_cluster_size\{cluster="1"\} 4$/m);
  });

  it('says whether a rollback pins the model', async () => {
    const registry = new Registry();
    const state = new FakeState();
    new ReclusterMetrics(registry, state);

    expect((await valuesOf(registry, 'recommender_model_pinned')).get('{}')).toBe(0);
    state.pinned = {
      version: 2,
      since: new Date().toISOString(),
      until: null,
      reason: 'rollback to model 1',
    };
    expect((await valuesOf(registry, 'recommender_model_pinned')).get('{}')).toBe(1);
  });
});
