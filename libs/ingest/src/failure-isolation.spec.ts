import { applyIsolatingFailures } from './failure-isolation';

describe(applyIsolatingFailures.name, () => {
  const items = Array.from({ length: 16 }, (_, i) => i + 1);
  const isFatal = (error: unknown) => (error as Error).message === 'Redis is down';

  /** An idempotent apply that refuses any list holding one of `bad`, as Redis refuses a script. */
  function applier(bad: ReadonlySet<number>) {
    const applied = new Set<number>();
    let calls = 0;
    return {
      applied,
      calls: () => calls,
      apply: (list: readonly number[]) => {
        calls++;
        const refused = list.find((item) => bad.has(item));
        if (refused !== undefined) return Promise.reject(new Error(`cannot apply ${refused}`));
        for (const item of list) applied.add(item);
        return Promise.resolve();
      },
    };
  }

  it('applies a list that succeeds once, isolating nothing', async () => {
    const sut = applier(new Set());

    expect(await applyIsolatingFailures(items, sut.apply, { attempts: 2, isFatal })).toEqual([]);
    expect(sut.calls()).toBe(1);
    expect(sut.applied.size).toBe(16);
  });

  it('isolates the one failing item with its error and applies every other', async () => {
    const sut = applier(new Set([7]));

    const failed = await applyIsolatingFailures(items, sut.apply, { attempts: 2, isFatal });

    expect(failed).toEqual([{ item: 7, error: new Error('cannot apply 7') }]);
    expect([...sut.applied].sort((a, b) => a - b)).toEqual(items.filter((i) => i !== 7));
    // 2 attempts of the whole, then 2 calls per halving: 2 + 2 * log2(16).
    expect(sut.calls()).toBe(10);
  });

  it('isolates several failing items', async () => {
    const sut = applier(new Set([1, 16]));

    const failed = await applyIsolatingFailures(items, sut.apply, { attempts: 1, isFatal });

    expect(failed.map(({ item }) => item)).toEqual([1, 16]);
    expect(sut.applied.size).toBe(14);
  });

  it('gives up at once, isolating nothing, on a fatal error', async () => {
    let calls = 0;
    const apply = () => {
      calls++;
      return Promise.reject(new Error('Redis is down'));
    };

    await expect(applyIsolatingFailures(items, apply, { attempts: 2, isFatal })).rejects.toThrow(
      'Redis is down',
    );
    expect(calls).toBe(1);
  });

  it('retries the whole list before bisecting, so a passing failure costs nothing', async () => {
    let calls = 0;
    const apply = () => (++calls === 1 ? Promise.reject(new Error('once')) : Promise.resolve());

    expect(await applyIsolatingFailures(items, apply, { attempts: 2, isFatal })).toEqual([]);
    expect(calls).toBe(2);
  });
});
