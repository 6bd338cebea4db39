import { setTimeout as sleep } from 'node:timers/promises';
import { type IngestEvent } from '@app/events';
import { IngestBatchHandler } from '@app/ingest';
import {
  CommittingConsumer,
  consumerGroupLag,
  createKafka,
  DeadLetterPublisher,
  ensureTopics,
} from '@app/kafka';
import { RatingsRepository } from '@app/store';
import {
  computeExpectedState,
  generateEvents,
  aReclusterSettings,
  isolatedEnvironment,
  produce,
  readState,
  toWire,
  waitFor,
} from '@app/testing';
import { Reclusterer } from './reclusterer';

const settings = aReclusterSettings({ seed: 7, keepVersions: 5 });

/** Reads back a version's assignments and checks its aggregates against a from-scratch oracle. */
async function expectVersionMatches(
  repository: RatingsRepository,
  version: number,
  events: readonly IngestEvent[],
): Promise<Map<number, number>> {
  const userIds = [...new Set(events.map((e) => e.userId))];
  const assignments = await repository.clustersOf(userIds, version);
  expect([...assignments.keys()].sort((a, b) => a - b)).toEqual(userIds.sort((a, b) => a - b));
  const clusters = Math.max(...assignments.values()) + 1;
  const expected = computeExpectedState(events, assignments);
  const actual = await readState(
    repository,
    version,
    expected.users.keys(),
    Array.from({ length: clusters }, (_, c) => c),
  );
  expect(actual.clusters).toEqual(expected.clusters);
  return assignments;
}

describe(Reclusterer.name, () => {
  let env: ReturnType<typeof isolatedEnvironment>;
  let repository: RatingsRepository;
  let sut: Reclusterer;

  beforeEach(() => {
    env = isolatedEnvironment();
    repository = new RatingsRepository(env.redis);
    sut = new Reclusterer(repository, settings);
  });

  afterEach(() => repository.close());

  it('publishes a model whose aggregates equal a from-scratch computation', async () => {
    const events = generateEvents(500, { seed: 2, users: 30, movies: 25 });
    await repository.applyEvents(events);

    const outcome = await sut.run();

    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published') return;
    expect(await repository.currentModelVersion()).toBe(outcome.version);
    expect(Math.min(...outcome.model.sizesAfter)).toBeGreaterThanOrEqual(settings.minClusterSize);
    await expectVersionMatches(repository, outcome.version, events);
  });

  it('lets one of two concurrent runs publish and skips the other', async () => {
    await repository.applyEvents(generateEvents(200, { seed: 3, users: 20, movies: 10 }));

    const outcomes = await Promise.all([sut.run(), new Reclusterer(repository, settings).run()]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['published', 'skipped']);
  });

  it('never shows a reader a half-written model while models switch', async () => {
    const events = generateEvents(400, { seed: 4, users: 25, movies: 20 });
    await repository.applyEvents(events);
    await sut.run();
    const totalRatings = [...computeExpectedState(events, new Map()).users.values()].reduce(
      (a, u) => a + u.ratings.size,
      0,
    );
    const switching = { done: false };
    let reads = 0;
    const reader = (async () => {
      while (!switching.done) {
        const version = (await repository.currentModelVersion())!;
        const clusters = (await repository.clusterCount(version))!;
        let counted = 0;
        for (let c = 0; c < clusters; c++) {
          for (const n of (await repository.getClusterAggregates(version, c)).ratingCounts.values())
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
    await repository.applyEvents(first);
    const one = await sut.run();
    await sut.run();
    const later = generateEvents(100, { seed: 6, users: 20, movies: 15 });
    await repository.applyEvents(later);

    const outcome = await sut.rollback();

    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published' || one.status !== 'published') return;
    const history = await repository.modelHistory();
    expect(history.at(-1)?.info.rollbackOf).toBe(String(one.version));
    const assignments = await expectVersionMatches(repository, outcome.version, [
      ...first,
      ...later,
    ]);
    expect(assignments).toEqual(await repository.clustersOf([...assignments.keys()], one.version));
  });

  it('counts every event ingested while a recluster runs, and places new users', async () => {
    const kafka = createKafka(env.kafka);
    const topics = Object.values(env.kafka.topics);
    await ensureTopics(kafka, topics, env.kafka.topicPartitions);
    const deadLetters = new DeadLetterPublisher(kafka);
    const handler = new IngestBatchHandler(env.kafka.topics, repository, deadLetters);
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
      await expectVersionMatches(repository, last.version, [...events, ...late]);
    } finally {
      await consumer.stop();
      await deadLetters.close();
    }
  });
});
