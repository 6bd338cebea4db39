import { setTimeout as sleep } from 'node:timers/promises';
import { type IngestEvent } from '@app/events';
import { DEFAULT_ALS_SETTINGS, trainAls } from '@app/factorization';
import { IngestBatchHandler, NewUserPlacer } from '@app/ingest';
import {
  CommittingConsumer,
  consumerGroupLag,
  createKafka,
  DeadLetterPublisher,
  ensureTopics,
} from '@app/kafka';
import {
  applyToActiveModels,
  aRating,
  aReclusterSettings,
  computeExpectedState,
  generateEvents,
  isolatedEnvironment,
  keysOf,
  openStores,
  produce,
  readState,
  type TestStores,
  toWire,
  waitFor,
} from '@app/testing';
import { Reclusterer } from './reclusterer';

const settings = aReclusterSettings({ seed: 7, keepVersions: 5 });

/** Reads back a version's assignments and checks its aggregates against a from-scratch oracle. */
async function expectVersionMatches(
  stores: TestStores,
  version: number,
  events: readonly IngestEvent[],
): Promise<Map<number, number>> {
  const userIds = [...new Set(events.map((e) => e.userId))];
  const assignments = await stores.users.clustersOf(userIds, version);
  expect([...assignments.keys()].sort((a, b) => a - b)).toEqual(userIds.sort((a, b) => a - b));
  const clusters = Math.max(...assignments.values()) + 1;
  const expected = computeExpectedState(events, assignments);
  const actual = await readState(
    stores,
    version,
    expected.users.keys(),
    Array.from({ length: clusters }, (_, c) => c),
  );
  expect(actual.clusters).toEqual(expected.clusters);
  return assignments;
}

/** The ratings a run reads, as the matrix ALS trains on. */
async function readMatrix(stores: TestStores) {
  const { ratings: matrix, userIds, movieIds } = await stores.ratings.read();
  return { matrix, userIds, movieIds };
}

describe(Reclusterer.name, () => {
  let env: ReturnType<typeof isolatedEnvironment>;
  let stores: TestStores;
  let sut: Reclusterer;

  beforeEach(() => {
    env = isolatedEnvironment();
    stores = openStores(env.redis);
    sut = new Reclusterer(stores, settings);
  });

  afterEach(() => stores.close());

  const apply = (events: readonly IngestEvent[]) => applyToActiveModels(stores, events);

  it('publishes a model whose aggregates equal a from-scratch computation', async () => {
    const events = generateEvents(500, { seed: 2, users: 30, movies: 25 });
    await apply(events);

    const outcome = await sut.run();

    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published') return;
    expect(await stores.models.currentVersion()).toBe(outcome.version);
    expect(Math.min(...outcome.model.sizes)).toBeGreaterThanOrEqual(settings.minClusterSize);
    expect(outcome.model.settings).toEqual({
      k: settings.k,
      minClusterSize: settings.minClusterSize,
      values: settings.values,
      normalize: settings.normalize,
      favouriteMinRating: settings.favouriteMinRating,
      seed: settings.seed,
      restarts: settings.restarts,
    });
    await expectVersionMatches(stores, outcome.version, events);
  });

  it('trains ALS beside k-means when enabled, and stores its factors with the version', async () => {
    const events = generateEvents(500, { seed: 2, users: 30, movies: 25 });
    await apply(events);
    const als = { factors: 3, iterations: 4, regularization: 0.05, seed: 7 };
    // One version kept: the second run's publish deletes the first version, factors and all.
    const withAls = new Reclusterer(stores, { ...settings, keepVersions: 1, als });

    const first = await withAls.run();

    if (first.status !== 'published') throw new Error('no model');
    expect(first.model.settings).not.toHaveProperty('als');
    expect(first.model.als).toEqual({
      // The description records the row solver training used: the default, unless asked.
      settings: { ...als, solver: DEFAULT_ALS_SETTINGS.solver },
      movies: 25,
      trainSeconds: expect.any(Number) as unknown,
    });
    expect(first.phases?.als).toBe(first.model.als?.trainSeconds);
    const stored = await stores.models.load(first.version);
    // The mean of every user's latest ratings, from the oracle.
    const latest = [...computeExpectedState(events, new Map()).users.values()].flatMap((user) =>
      [...user.ratings.values()].map(({ rating }) => rating),
    );
    expect(stored?.als?.globalMean).toBeCloseTo(
      latest.reduce((a, b) => a + b, 0) / latest.length,
      10,
    );
    // The factors of the very matrix the run read, trained alike, stored and read back bit for bit.
    const model = await trainAls(await readMatrix(stores), als, { threads: 1 });
    expect(stored?.als?.movieIds).toEqual(model.movieIds);
    expect(stored?.als?.movieFactors).toEqual(model.movieFactors);
    expect(stored?.als?.movieBiases).toEqual(model.movieBiases);
    expect(await keysOf(env.redis, `{m:${first.version}}:als`)).toHaveLength(1);

    const second = await withAls.run();

    if (second.status !== 'published') throw new Error('no second model');
    expect(await keysOf(env.redis, `{m:${first.version}}:*`)).toEqual([]);
    expect(await stores.models.load(first.version)).toBeUndefined();
    expect((await stores.models.load(second.version))?.als?.movieFactors).toEqual(
      model.movieFactors,
    );
  });

  it('stores no factors when ALS is not enabled', async () => {
    await apply(generateEvents(200, { seed: 3, users: 20, movies: 10 }));

    const outcome = await sut.run();

    if (outcome.status !== 'published') throw new Error('no model');
    expect(outcome.model).not.toHaveProperty('als');
    expect((await stores.models.load(outcome.version))?.als).toBeUndefined();
    expect(await keysOf(env.redis, `{m:${outcome.version}}:als`)).toEqual([]);
  });

  it('clusters users with ids up to 2^53 - 1 as themselves, with no phantom', async () => {
    // 2^32 + 50,000 wraps to 50,000 in an Int32Array: one user would vanish into another.
    const ids = [50_000, 2 ** 32 + 50_000, 2 ** 31, Number.MAX_SAFE_INTEGER];
    const events = ids.flatMap((userId, u) =>
      Array.from({ length: 6 }, (_, m) =>
        aRating({ userId, movieId: m + 1, rating: 1 + ((u + m) % 5), timestamp: 1 }),
      ),
    );
    await apply(events);

    const outcome = await new Reclusterer(stores, { ...settings, k: 2, minClusterSize: 1 }).run();

    if (outcome.status !== 'published') throw new Error('no model');
    expect(outcome.model.users).toBe(ids.length);
    expect([...(await stores.users.clustersOf(ids, outcome.version)).keys()]).toEqual(ids);
    expect(await stores.users.userIds()).toEqual([...ids].sort((a, b) => a - b));
    await expectVersionMatches(stores, outcome.version, events);
  });

  it('runs two concurrent requested runs one after the other, and one of two scheduled runs', async () => {
    await apply(generateEvents(200, { seed: 3, users: 20, movies: 10 }));
    const other = new Reclusterer(stores, settings);

    const requested = await Promise.all([sut.run(), other.run()]);
    const versions = requested.map((o) => (o.status === 'published' ? o.version : 0));
    expect(versions.sort((a, b) => a - b)).toEqual([versions[0], versions[0]! + 1]);

    const due = { kind: 'due', intervalMs: 1, afterEvents: 1 } as const;
    const scheduled = await Promise.all([sut.run(due), other.run(due)]);
    expect(scheduled.map((o) => o.status).sort()).toEqual(['published', 'skipped']);
  });

  it('never shows a reader a half-written model while models switch', async () => {
    const events = generateEvents(400, { seed: 4, users: 25, movies: 20 });
    await apply(events);
    await sut.run();
    const totalRatings = [...computeExpectedState(events, new Map()).users.values()].reduce(
      (a, u) => a + u.ratings.size,
      0,
    );
    const switching = { done: false };
    let reads = 0;
    const reader = (async () => {
      while (!switching.done) {
        const version = (await stores.models.currentVersion())!;
        const { clusters } = (await stores.models.describe(version))!;
        let counted = 0;
        for (let c = 0; c < clusters; c++) {
          for (const n of (await stores.aggregates.read(version, c)).ratingCounts.values())
            counted += n;
        }
        expect(counted).toBe(totalRatings);
        reads++;
      }
    })();

    for (let i = 0; i < 3; i++) expect((await sut.run()).status).toBe('published');
    switching.done = true;
    await reader;

    expect(reads).toBeGreaterThan(0);
  });

  it('rolls back by republishing the previous model with up-to-date aggregates', async () => {
    const first = generateEvents(300, { seed: 5, users: 20, movies: 15 });
    await apply(first);
    const one = await sut.run();
    await sut.run();
    const later = generateEvents(100, { seed: 6, users: 20, movies: 15 });
    await apply(later);

    const outcome = await sut.rollback();

    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published' || one.status !== 'published') return;
    const history = await stores.models.history();
    expect(history.at(-1)?.description?.rollbackOf).toBe(one.version);
    const assignments = await expectVersionMatches(stores, outcome.version, [...first, ...later]);
    expect(assignments).toEqual(
      await stores.users.clustersOf([...assignments.keys()], one.version),
    );
    // Its sizes are those of the clusters it republished, not empty.
    const sizes = outcome.model.sizes;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(assignments.size);
  });

  it('keeps a rolled-back model until scheduling resumes', async () => {
    await apply(generateEvents(300, { seed: 5, users: 20, movies: 15 }));
    await sut.run();
    await sut.run();
    const rollback = await sut.rollback();
    expect(rollback.status).toBe('published');
    const due = { kind: 'due', intervalMs: 1_000, afterEvents: 1 } as const;
    await apply(generateEvents(50, { seed: 6, users: 20, movies: 15 }));
    await stores.counters.countBatch(50, 0);

    expect(await sut.run(due)).toEqual({
      status: 'skipped',
      reason: expect.stringMatching(/pinned by a rollback/) as unknown,
    });
    await stores.schedule.resume();
    expect((await sut.run(due)).status).toBe('published');
  });

  it('lets a requested run wait for the run in progress, and a scheduled one not', async () => {
    await apply(generateEvents(300, { seed: 5, users: 20, movies: 15 }));
    const held = await stores.schedule.claim('another run', { kind: 'now' }, 10_000);
    if (!('claimed' in held)) throw new Error('the lock was not free');
    const due = { kind: 'due', intervalMs: 1, afterEvents: 1 } as const;
    expect(await sut.run(due)).toEqual({
      status: 'skipped',
      reason: 'another recluster holds the lock',
    });

    const requested = sut.run();
    await new Promise((resolve) => setTimeout(resolve, 600));
    await stores.schedule.release(held.claimed);
    const outcome = await requested;
    expect(outcome.status).toBe('published');
    expect(await stores.models.currentVersion()).toBeGreaterThan(held.claimed.version);
  });

  it("places a new user provisionally, and again as their ratings grow, in their taste's cluster", async () => {
    // Two planted tastes over movies 1-20: users 1-15 love 1-10 and loathe 11-20; 16-30 the
    // reverse. Everyone rated the same movies, so only centred values tell the tastes apart: the
    // k-means model finds them as two clusters.
    const taste = (userId: number, movie: number) =>
      userId <= 15 === movie <= 10 ? 4.5 + (movie % 2) / 2 : 1 + (movie % 2) / 2;
    const planted: IngestEvent[] = [];
    for (let userId = 1; userId <= 30; userId++) {
      for (let movie = 1; movie <= 20; movie++) {
        planted.push({
          kind: 'rating',
          userId,
          movieId: movie,
          rating: taste(userId, movie),
          timestamp: 1,
        });
      }
    }
    await apply(planted);
    const two = new Reclusterer(stores, {
      ...settings,
      k: 2,
      values: 'centred',
      minClusterSize: 5,
      restarts: 3,
    });
    const model = await two.run();
    if (model.status !== 'published') throw new Error('no model');
    const clusters = await stores.users.clustersOf([1, 16], model.version);
    const [loversOfOld, loversOfNew] = [clusters.get(1)!, clusters.get(16)!];
    expect(loversOfOld).not.toBe(loversOfNew);

    // Ingestion's path: apply, then place whom the apply names.
    const placer = new NewUserPlacer(stores.users, stores.models);
    const ingest = async (events: IngestEvent[]) => {
      const models = await stores.models.activeModels();
      await placer.place(models, await stores.users.applyEvents(events, models));
    };
    const rating = (movieId: number, rating: number): IngestEvent => ({
      kind: 'rating',
      userId: 99,
      movieId,
      rating,
      timestamp: 2,
    });

    // One rating says nothing: the user is placed, provisionally, in the largest cluster.
    await ingest([rating(15, 4)]);
    expect((await stores.users.readUser(99)).clusters.get(model.version)?.provisional).toBe(true);
    // Then ten movies rated as users 16-30 rate them, one event at a time.
    const tenMore = Array.from({ length: 10 }, (_, i) => rating(11 + i, taste(16, 11 + i)));
    for (const event of tenMore) await ingest([event]);

    expect((await stores.users.readUser(99)).clusters.get(model.version)).toEqual({
      cluster: loversOfNew,
      provisional: true,
    });
    // However often the user moved, every cluster holds exactly its users' ratings.
    await expectVersionMatches(stores, model.version, [...planted, rating(15, 4), ...tenMore]);
  });

  it('counts every event ingested while a recluster runs, and places new users', async () => {
    const kafka = createKafka(env.kafka);
    const topics = Object.values(env.kafka.topics);
    await ensureTopics(kafka, topics, env.kafka.topicLayout);
    const deadLetters = new DeadLetterPublisher(kafka);
    const handler = new IngestBatchHandler(env.kafka.topics, stores, deadLetters);
    const consumer = new CommittingConsumer(
      kafka,
      { groupId: env.groupId, topics, retryInitialMs: 50, retryMaxMs: 200 },
      handler,
    );
    const events = generateEvents(1_200, { seed: 8, users: 40, movies: 30 });
    // Users 41-50 appear only in the second half, after the first model exists.
    const late = generateEvents(200, { seed: 9, users: 10, movies: 30 }).map((e) => ({
      ...e,
      userId: e.userId + 40,
    }));
    const publish = (batch: IngestEvent[]) =>
      Promise.all(
        (['rating', 'favourite'] as const).map((kind) =>
          produce(
            kafka,
            env.kafka.topics[kind],
            batch
              .filter((e) => e.kind === kind)
              .map((e) => ({ key: String(e.userId), value: toWire(e) })),
          ),
        ),
      );
    const drained = () =>
      waitFor(
        async () => ((await consumerGroupLag(kafka, env.groupId, topics)) === 0 ? true : undefined),
        {
          what: 'ingestion to catch up',
        },
      );
    try {
      await consumer.start();
      await publish(events.slice(0, 400));
      await drained();
      expect((await sut.run()).status).toBe('published');

      const rest = [...events.slice(400), ...late];
      const producing = (async () => {
        for (let i = 0; i < rest.length; i += 25) {
          await publish(rest.slice(i, i + 25));
          await sleep(20);
        }
      })();
      const producingDone = { value: false };
      void producing.then(() => (producingDone.value = true));
      const outcomes = [];
      let runsDuringIngestion = 0;
      while (!producingDone.value || outcomes.length < 3) {
        const appliedBefore = handler.stats.applied;
        outcomes.push(await sut.run());
        if (handler.stats.applied > appliedBefore) runsDuringIngestion++;
      }
      await producing;
      await drained();

      expect(runsDuringIngestion).toBeGreaterThan(0);
      const last = outcomes.at(-1)!;
      expect(last.status).toBe('published');
      if (last.status !== 'published') return;
      await expectVersionMatches(stores, last.version, [...events, ...late]);
    } finally {
      await consumer.stop();
      await deadLetters.close();
    }
  });
});
