import { type IngestEvent } from '@app/events';
import { NewUserPlacer } from '@app/ingest';
import {
  aReclusterSettings,
  computeExpectedState,
  generateEvents,
  isolatedEnvironment,
  keysOf,
  openStores,
  readState,
  type TestStores,
} from '@app/testing';
import { Reclusterer, type ReclusterOutcome } from './reclusterer';

const settings = aReclusterSettings({ seed: 7, keepVersions: 2 });

/** A candidate's settings: other k, other matrix values, other merge size and favourites. */
const overrides = { k: 4, values: 'centred', minClusterSize: 3, favouriteMinRating: 3 } as const;

function published(outcome: ReclusterOutcome): Extract<ReclusterOutcome, { status: 'published' }> {
  if (outcome.status !== 'published') throw new Error(`not published: ${outcome.reason}`);
  return outcome;
}

/**
 * Checks a version's users and aggregates against the from-scratch oracle under the version's
 * own favourite threshold; returns its assignments.
 */
async function expectVersionMatches(
  stores: TestStores,
  version: number,
  events: readonly IngestEvent[],
): Promise<Map<number, number>> {
  const userIds = [...new Set(events.map((e) => e.userId))].sort((a, b) => a - b);
  const assignments = await stores.users.clustersOf(userIds, version);
  expect([...assignments.keys()].sort((a, b) => a - b)).toEqual(userIds);
  const description = await stores.models.describe(version);
  if (description === undefined) throw new Error(`model ${version} is not stored`);
  const expected = computeExpectedState(
    events,
    assignments,
    description.settings.favouriteMinRating,
  );
  const actual = await readState(
    stores,
    version,
    expected.users.keys(),
    Array.from({ length: description.clusters }, (_, c) => c),
  );
  expect(actual.clusters).toEqual(expected.clusters);
  return assignments;
}

describe(`${Reclusterer.name} candidates`, () => {
  let env: ReturnType<typeof isolatedEnvironment>;
  let stores: TestStores;
  let sut: Reclusterer;

  beforeEach(() => {
    env = isolatedEnvironment();
    stores = openStores(env.redis);
    sut = new Reclusterer(stores, settings);
  });

  afterEach(() => stores.close());

  /** Ingestion's path: apply to every active model, then place whom the apply names. */
  const ingest = async (events: readonly IngestEvent[]) => {
    const placer = new NewUserPlacer(stores.users, stores.models);
    const models = await stores.models.activeModels();
    await placer.place(models, await stores.users.applyEvents(events, models));
  };

  const first = generateEvents(500, { seed: 2, users: 30, movies: 25 });
  // Users 31-40 appear only after the models were built.
  const later = [
    ...generateEvents(200, { seed: 3, users: 30, movies: 25 }),
    ...generateEvents(100, { seed: 4, users: 10, movies: 25 }).map((e) => ({
      ...e,
      userId: e.userId + 30,
    })),
  ];

  it('builds a candidate with other settings beside the current model, leaving the schedule alone', async () => {
    await ingest(first);
    const current = published(await sut.run());
    await stores.counters.countBatch(40, 0);

    const candidate = published(await sut.candidate(overrides));

    expect(candidate.reason).toBe('candidate');
    expect(candidate.version).toBeGreaterThan(current.version);
    expect(candidate.model.settings).toEqual({ ...current.model.settings, ...overrides });
    expect(await stores.models.currentVersion()).toBe(current.version);
    expect(await stores.models.candidateVersion()).toBe(candidate.version);
    expect(await stores.models.nextVersion()).toBeUndefined();
    expect((await stores.models.history()).map((e) => e.version)).toEqual([current.version]);
    expect(await stores.models.activeModels()).toEqual([
      { version: current.version, clusters: current.model.clusters, favouriteMinRating: 4 },
      { version: candidate.version, clusters: candidate.model.clusters, favouriteMinRating: 3 },
    ]);
    // The regular schedule still counts the events since the last regular run.
    expect(await stores.schedule.eventsSinceLastRun()).toBe(40);
    await expectVersionMatches(stores, current.version, first);
    await expectVersionMatches(stores, candidate.version, first);
  });

  it('keeps the current and the candidate aggregates equal to the oracle as events arrive', async () => {
    await ingest(first);
    const current = published(await sut.run());
    const candidate = published(await sut.candidate(overrides));

    for (let i = 0; i < later.length; i += 50) await ingest(later.slice(i, i + 50));

    await expectVersionMatches(stores, current.version, [...first, ...later]);
    await expectVersionMatches(stores, candidate.version, [...first, ...later]);
  });

  it('leaves the candidate intact through regular runs beyond the kept history', async () => {
    await ingest(first);
    published(await sut.run());
    const candidate = published(await sut.candidate(overrides));
    const built = await stores.users.clustersOf(
      [...new Set(first.map((e) => e.userId))],
      candidate.version,
    );

    for (let i = 0; i < 3; i++) {
      await ingest(later.slice(i * 100, (i + 1) * 100));
      published(await sut.run());
    }

    expect(await stores.models.candidateVersion()).toBe(candidate.version);
    expect(await stores.models.describe(candidate.version)).toEqual(candidate.model);
    const assignments = await expectVersionMatches(stores, candidate.version, [...first, ...later]);
    // Its users are where the candidate put them: regular runs do not recluster it.
    for (const [userId, cluster] of built) expect(assignments.get(userId)).toBe(cluster);
  });

  it('promotes the candidate as a new current version, the replaced model kept for rollback', async () => {
    await ingest(first);
    published(await sut.run());
    const candidate = published(await sut.candidate(overrides));
    // A regular run after the candidate: users hold fields of a version newer than it.
    const replaced = published(await sut.run());
    await ingest(later.slice(0, 150));
    const before = await stores.users.clustersOf(
      [...new Set(first.map((e) => e.userId))],
      candidate.version,
    );

    const promoted = published(await sut.promote());

    expect(promoted.reason).toBe(`promoted candidate ${candidate.version}`);
    expect(promoted.version).toBeGreaterThan(replaced.version);
    expect(promoted.model).toMatchObject({
      settings: candidate.model.settings,
      clusters: candidate.model.clusters,
      promotedFrom: candidate.version,
    });
    expect(await stores.models.currentVersion()).toBe(promoted.version);
    expect(await stores.models.candidateVersion()).toBeUndefined();
    expect((await stores.models.history()).map((e) => e.version)).toEqual([
      replaced.version,
      promoted.version,
    ]);
    expect(await keysOf(env.redis, `{m:${candidate.version}}:*`)).toEqual([]);
    expect(await keysOf(env.redis, `{c:${candidate.version}:*`)).toEqual([]);
    // Ingestion goes on, with only the promoted model active.
    expect((await stores.models.activeModels()).map((m) => m.version)).toEqual([promoted.version]);
    await ingest(later.slice(150));
    const assignments = await expectVersionMatches(stores, promoted.version, [...first, ...later]);
    for (const [userId, cluster] of before) expect(assignments.get(userId)).toBe(cluster);

    const rollback = published(await sut.rollback());

    expect(rollback.model.rollbackOf).toBe(replaced.version);
    expect(rollback.model.settings).toEqual(replaced.model.settings);
    await expectVersionMatches(stores, rollback.version, [...first, ...later]);
  });

  it('discards the candidate: the current model republished, every key of the candidate deleted', async () => {
    await ingest(first);
    const current = published(await sut.run());
    const candidate = published(await sut.candidate(overrides));
    expect(await keysOf(env.redis, `{c:${candidate.version}:*`)).not.toEqual([]);

    const discarded = published(await sut.discard());

    expect(discarded.reason).toBe(`discarded candidate ${candidate.version}`);
    expect(discarded.version).toBeGreaterThan(candidate.version);
    expect(discarded.model).toMatchObject({
      settings: current.model.settings,
      clusters: current.model.clusters,
      republishOf: current.version,
    });
    expect(await stores.models.candidateVersion()).toBeUndefined();
    expect(await keysOf(env.redis, `{m:${candidate.version}}:*`)).toEqual([]);
    expect(await keysOf(env.redis, `{c:${candidate.version}:*`)).toEqual([]);
    expect((await stores.models.activeModels()).map((m) => m.version)).toEqual([discarded.version]);
    // Users still hold fields of the discarded version, newer than the model it replaced:
    // ingestion goes on all the same.
    await ingest(later);
    const assignments = await expectVersionMatches(stores, discarded.version, [...first, ...later]);
    const before = await stores.users.clustersOf([...assignments.keys()], current.version);
    for (const [userId, cluster] of before) expect(assignments.get(userId)).toBe(cluster);
    expect(await sut.discard()).toEqual({ status: 'skipped', reason: 'no candidate model' });
    expect(await sut.promote()).toEqual({ status: 'skipped', reason: 'no candidate model' });
    // A rollback goes back past the republished model, to the one before it.
    expect(await sut.rollback()).toEqual({ status: 'skipped', reason: 'no earlier model is kept' });
  });

  it('builds no candidate before a current model exists', async () => {
    await ingest(first);

    expect(await sut.candidate(overrides)).toEqual({
      status: 'skipped',
      reason: 'no current model to compare a candidate with',
    });
    expect(await stores.models.candidateVersion()).toBeUndefined();
  });

  it('replaces a candidate with the next one, deleting the first', async () => {
    await ingest(first);
    published(await sut.run());
    const one = published(await sut.candidate(overrides));

    const two = published(await sut.candidate({ k: 2 }));

    expect(await stores.models.candidateVersion()).toBe(two.version);
    expect(two.model.settings.k).toBe(2);
    expect(await keysOf(env.redis, `{m:${one.version}}:*`)).toEqual([]);
    await expectVersionMatches(stores, two.version, first);
  });

  it('builds a candidate while a rollback pins the model, and promotes only once resumed', async () => {
    await ingest(first);
    published(await sut.run());
    published(await sut.run());
    published(await sut.rollback());

    const candidate = published(await sut.candidate(overrides));

    expect(await sut.promote()).toEqual({
      status: 'skipped',
      reason: expect.stringMatching(/pinned by a rollback/) as unknown,
    });
    await stores.schedule.resume();
    expect(published(await sut.promote()).model.promotedFrom).toBe(candidate.version);
  });
});
