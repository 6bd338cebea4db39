import { setTimeout as sleep } from 'node:timers/promises';
import { Reclusterer } from '@app/recluster';
import {
  applyToActiveModels,
  aReclusterSettings,
  generateEvents,
  isolatedEnvironment,
  openStores,
  type TestStores,
  waitFor,
} from '@app/testing';
import { type ReclusterConfig } from './recluster.config';
import { ReclusterScheduler } from './recluster.scheduler';

const aConfig = (
  overrides: Partial<ReclusterConfig>,
  env = isolatedEnvironment(),
): ReclusterConfig => ({
  redis: env.redis,
  logLevel: 'error',
  settings: aReclusterSettings({ k: 2 }),
  intervalMs: 3_600_000,
  afterEvents: 1_000_000,
  pollMs: 100,
  port: 0,
  access: { admin: { mode: 'locked' } },
  httpLimits: { bodyLimitBytes: 65_536, rateLimitPerMinute: 0, trustProxyHops: 0 },
  ...overrides,
});

describe(ReclusterScheduler.name, () => {
  let stores: TestStores;
  let schedulers: ReclusterScheduler[] = [];

  afterEach(async () => {
    await Promise.all(schedulers.map((scheduler) => scheduler.onModuleDestroy()));
    schedulers = [];
    await stores.close();
  });

  const start = (config: ReclusterConfig): ReclusterScheduler => {
    stores = openStores(config.redis);
    const scheduler = new ReclusterScheduler(config, new Reclusterer(stores, config.settings));
    scheduler.onApplicationBootstrap();
    schedulers.push(scheduler);
    return scheduler;
  };

  const current = () => stores.models.currentVersion();

  it('builds the first model as soon as events arrived', async () => {
    start(aConfig({}));
    await applyToActiveModels(stores, generateEvents(100, { seed: 1, users: 12, movies: 10 }));
    await stores.counters.countBatch(100, 0);

    await waitFor(current, { what: 'a first model', timeoutMs: 10_000 });
  });

  it('reclusters once enough events arrived since the last run', async () => {
    const sut = start(aConfig({ afterEvents: 150 }));
    await applyToActiveModels(stores, generateEvents(100, { seed: 1, users: 12, movies: 10 }));
    const first = await sut.runNow();
    if (first.status !== 'published') throw new Error('no first model');
    await stores.counters.countBatch(100, 0);
    await sleep(500);
    expect(await current()).toBe(first.version);

    await stores.counters.countBatch(50, 0);

    await waitFor(async () => ((await current())! > first.version ? true : undefined), {
      what: 'a second model',
    });
    expect(await stores.schedule.eventsSinceLastRun()).toBe(0);
  });

  it('reclusters when the interval passed, without new events', async () => {
    start(aConfig({ intervalMs: 1_000 }));
    await applyToActiveModels(stores, generateEvents(100, { seed: 2, users: 12, movies: 10 }));

    await waitFor(current, { what: 'a model' });
    const first = (await current())!;
    await waitFor(async () => ((await current())! > first ? true : undefined), {
      what: 'a second model',
    });
  });

  it('runs once per interval however many replicas poll', async () => {
    const config = aConfig({
      intervalMs: 1_500,
      pollMs: 50,
      settings: aReclusterSettings({ k: 2, keepVersions: 10 }),
    });
    start(config);
    const other = new ReclusterScheduler(config, new Reclusterer(stores, config.settings));
    other.onApplicationBootstrap();
    schedulers.push(other);
    await applyToActiveModels(stores, generateEvents(100, { seed: 4, users: 12, movies: 10 }));
    await waitFor(current, { what: 'a first model' });

    await sleep(3_500);

    // One at the start, then one per interval: two replicas timing on their own would make six.
    const history = await stores.models.history();
    expect(history).toHaveLength(3);
    const starts = history.map(({ description }) => Date.parse(description!.builtAt));
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1_400);
  });

  it('runs on demand, joining a run already in progress rather than starting another', async () => {
    const sut = start(aConfig({}));
    await applyToActiveModels(stores, generateEvents(100, { seed: 3, users: 12, movies: 10 }));

    const [a, b] = await Promise.all([sut.runNow(), sut.runNow()]);

    expect(a).toBe(b);
    expect(a.status).toBe('published');
    expect((await stores.models.history()).map((m) => m.version)).toEqual([(await current())!]);
  });

  it('builds a candidate after a run in progress rather than joining it, then promotes it', async () => {
    // No scheduled run meanwhile: only the ones asked for.
    const sut = start(aConfig({ pollMs: 3_600_000 }));
    await applyToActiveModels(stores, generateEvents(100, { seed: 5, users: 12, movies: 10 }));

    const [run, candidate] = await Promise.all([sut.runNow(), sut.candidate({ k: 3 })]);

    if (run.status !== 'published' || candidate.status !== 'published') {
      throw new Error(`not published: ${JSON.stringify([run, candidate])}`);
    }
    expect(candidate.reason).toBe('candidate');
    expect(candidate.version).toBeGreaterThan(run.version);
    expect(candidate.model.settings.k).toBe(3);
    expect(await stores.models.candidateVersion()).toBe(candidate.version);
    const promoted = await sut.promote();
    expect(promoted).toMatchObject({
      status: 'published',
      model: { promotedFrom: candidate.version },
    });
    expect(await sut.discard()).toEqual({ status: 'skipped', reason: 'no candidate model' });
  });

  it('builds each of two candidates asked for at once, with its own settings', async () => {
    const sut = start(aConfig({ pollMs: 3_600_000 }));
    await applyToActiveModels(stores, generateEvents(100, { seed: 6, users: 12, movies: 10 }));
    await sut.runNow();

    const [first, second] = await Promise.all([sut.candidate({ k: 2 }), sut.candidate({ k: 3 })]);

    if (first.status !== 'published' || second.status !== 'published') {
      throw new Error(`not published: ${JSON.stringify([first, second])}`);
    }
    expect([first.model.settings.k, second.model.settings.k]).toEqual([2, 3]);
    expect(second.version).toBeGreaterThan(first.version);
    expect(await stores.models.candidateVersion()).toBe(second.version);
  });
});
