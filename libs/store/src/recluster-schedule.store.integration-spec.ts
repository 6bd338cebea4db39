import { setTimeout as sleep } from 'node:timers/promises';
import { aModelDescription, isolatedEnvironment, openStores, type TestStores } from '@app/testing';
import { FencedOutError } from './model.store';
import { type ReclusterClaim, ReclusterSchedule } from './recluster-schedule.store';

const due = { kind: 'due', intervalMs: 60_000, afterEvents: 1_000 } as const;

const claimed = (outcome: Awaited<ReturnType<ReclusterSchedule['claim']>>): ReclusterClaim => {
  if ('skipped' in outcome) throw new Error(`expected a claim, got: ${outcome.skipped}`);
  return outcome.claimed;
};

/** Stores a model for a claim and publishes it, as a run does. */
async function publish(stores: TestStores, claim: ReclusterClaim, pin?: { forMs?: number }) {
  await stores.models.save({
    description: aModelDescription(claim.version, 2),
    centroids: new Float32Array(2),
    movieIds: Float64Array.of(1),
  });
  await stores.models.setNext(claim);
  return stores.models.publish(claim, 3, pin && { ...pin, reason: 'rollback to model 1' });
}

describe(ReclusterSchedule.name, () => {
  let stores: TestStores;
  let sut: ReclusterSchedule;

  beforeEach(() => {
    stores = openStores(isolatedEnvironment().redis);
    sut = stores.schedule;
  });

  afterEach(() => stores.close());

  it('lets one run be claimed at a time, each with a newer version', async () => {
    const first = claimed(await sut.claim('a', { kind: 'now' }, 10_000));

    expect(await sut.claim('b', { kind: 'now' }, 10_000)).toEqual({
      skipped: 'another recluster holds the lock',
      busy: true,
    });
    await sut.release(first);
    const second = claimed(await sut.claim('b', { kind: 'now' }, 10_000));
    expect(second.version).toBeGreaterThan(first.version);
  });

  it('claims a scheduled run once per interval, however many ask', async () => {
    const first = claimed(await sut.claim('a', due, 10_000));
    expect(first.reason).toBe('interval');
    await sut.release(first);

    expect(await sut.claim('b', due, 10_000)).toEqual({ skipped: 'not due' });
    expect(await sut.claim('c', due, 10_000)).toEqual({ skipped: 'not due' });
  });

  it('claims the first model as soon as there are events, later ones after enough', async () => {
    await sut.release(claimed(await sut.claim('a', due, 10_000)));
    await stores.counters.countBatch(5, 0);

    const first = claimed(await sut.claim('b', due, 10_000));
    expect(first.reason).toBe('no model yet');
    await publish(stores, first);
    await sut.release(first);
    await stores.counters.countBatch(999, 0);
    expect(await sut.claim('c', due, 10_000)).toEqual({ skipped: 'not due' });
    await stores.counters.countBatch(1, 0);
    expect(claimed(await sut.claim('d', due, 10_000)).reason).toBe('1000 new events');
  });

  it('never lets a run that lost its lock write, even when it could take the lock again', async () => {
    const frozen = claimed(await sut.claim('a', { kind: 'now' }, 1_000));
    await sleep(1_100);
    const newer = claimed(await sut.claim('b', { kind: 'now' }, 10_000));
    await publish(stores, newer);
    await sut.release(newer);

    // The frozen run wakes: it cannot renew a lock it lost, nor publish with an old version.
    expect(await sut.renew(frozen, 1_000)).toBe(false);
    await expect(stores.models.setNext(frozen)).rejects.toThrow(FencedOutError);
    await expect(stores.models.publish(frozen, 3)).rejects.toThrow(FencedOutError);
    await expect(stores.models.publishCandidate(frozen)).rejects.toThrow(FencedOutError);
    expect(await stores.models.currentVersion()).toBe(newer.version);
    expect(await stores.models.candidateVersion()).toBeUndefined();
  });

  it('keeps a rolled-back model pinned until resumed, and lets only rollbacks through', async () => {
    const rollback = claimed(await sut.claim('a', { kind: 'rollback' }, 10_000));
    await publish(stores, rollback, {});
    await sut.release(rollback);

    expect(await sut.pin()).toMatchObject({ version: rollback.version, until: null });
    expect(await sut.claim('b', due, 10_000)).toEqual({
      skipped: `model ${rollback.version} is pinned by a rollback; resume scheduling first`,
    });
    expect('skipped' in (await sut.claim('c', { kind: 'now' }, 10_000))).toBe(true);
    const again = claimed(await sut.claim('d', { kind: 'rollback' }, 10_000));
    await sut.release(again);

    expect((await sut.resume())?.version).toBe(rollback.version);
    expect(await sut.pin()).toBeUndefined();
    expect('claimed' in (await sut.claim('e', { kind: 'now' }, 10_000))).toBe(true);
  });

  it('lets a pin with a duration lapse by itself', async () => {
    const rollback = claimed(await sut.claim('a', { kind: 'rollback' }, 10_000));
    await publish(stores, rollback, { forMs: 300 });
    await sut.release(rollback);
    expect(Date.parse((await sut.pin())!.until!)).toBeGreaterThan(Date.now());

    await sleep(400);

    expect(await sut.pin()).toBeUndefined();
    expect('claimed' in (await sut.claim('b', { kind: 'now' }, 10_000))).toBe(true);
  });

  it('claims work on the candidate through a pin, leaving the schedule as it was', async () => {
    const rollback = claimed(await sut.claim('a', { kind: 'rollback' }, 10_000));
    await publish(stores, rollback, {});
    await sut.release(rollback);
    await stores.counters.countBatch(7, 0);

    const candidate = claimed(await sut.claim('b', { kind: 'candidate' }, 10_000));

    expect(candidate).toMatchObject({ reason: 'candidate', version: rollback.version + 1 });
    expect(await sut.eventsSinceLastRun()).toBe(7);
    await stores.models.save({
      description: aModelDescription(candidate.version, 2),
      centroids: new Float32Array(2),
      movieIds: Float64Array.of(1),
    });
    await stores.models.setNext(candidate);
    expect(await stores.models.publishCandidate(candidate)).toBeUndefined();
    await sut.release(candidate);
    expect(await stores.models.currentVersion()).toBe(rollback.version);
    expect(await stores.models.nextVersion()).toBeUndefined();
    expect(await stores.models.candidateVersion()).toBe(candidate.version);
    expect((await sut.pin())?.version).toBe(rollback.version);
    // The pin still holds for the runs that replace the current model.
    expect(await sut.claim('c', { kind: 'now' }, 10_000)).toEqual({
      skipped: `model ${rollback.version} is pinned by a rollback; resume scheduling first`,
    });
  });
});
