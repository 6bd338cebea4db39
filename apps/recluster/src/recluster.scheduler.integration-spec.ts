import { RatingsRepository } from '@app/store';
import { aReclusterSettings, generateEvents, isolatedEnvironment, waitFor } from '@app/testing';
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
  ...overrides,
});

describe(ReclusterScheduler.name, () => {
  let repository: RatingsRepository;
  let sut: ReclusterScheduler | undefined;

  afterEach(async () => {
    await sut?.onModuleDestroy();
    await repository.close();
  });

  const start = (config: ReclusterConfig) => {
    repository = new RatingsRepository(config.redis);
    sut = new ReclusterScheduler(config, repository);
    sut.onApplicationBootstrap();
  };

  it('reclusters once enough events arrived since the last run', async () => {
    start(aConfig({ afterEvents: 150 }));
    const events = generateEvents(100, { seed: 1, users: 12, movies: 10 });
    await repository.applyEvents(events);
    await repository.countIngestedEvents(events.length);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await repository.currentModelVersion()).toBeUndefined();

    await repository.countIngestedEvents(100);

    await waitFor(async () => repository.currentModelVersion(), { what: 'a model' });
    expect(await repository.eventsSinceRecluster()).toBe(0);
  });

  it('reclusters when the interval passed, without new events', async () => {
    start(aConfig({ intervalMs: 300 }));
    await repository.applyEvents(generateEvents(100, { seed: 2, users: 12, movies: 10 }));

    await waitFor(async () => repository.currentModelVersion(), { what: 'a model' });
    const first = (await repository.currentModelVersion())!;
    await waitFor(
      async () => ((await repository.currentModelVersion())! > first ? true : undefined),
      { what: 'a second model' },
    );
  });

  it('runs on demand, joining a run already in progress rather than starting another', async () => {
    start(aConfig({}));
    await repository.applyEvents(generateEvents(100, { seed: 3, users: 12, movies: 10 }));

    const [a, b] = await Promise.all([sut!.runNow(), sut!.runNow()]);

    expect(a).toBe(b);
    expect(a.status).toBe('published');
    expect((await repository.modelHistory()).map((m) => m.version)).toEqual([
      (await repository.currentModelVersion())!,
    ]);
  });
});
