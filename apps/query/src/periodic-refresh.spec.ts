import { PeriodicRefresh } from './periodic-refresh';

describe(PeriodicRefresh.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('refreshes once at start, then every interval, never two at once', async () => {
    let calls = 0;
    let release: (() => void) | undefined;
    const sut = new PeriodicRefresh(() => {
      calls += 1;
      return calls === 1 ? Promise.resolve() : new Promise<void>((done) => (release = done));
    }, 1_000);

    await sut.start();
    expect(calls).toBe(1);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    // The second refresh still waits: ticks meanwhile join it.
    await jest.advanceTimersByTimeAsync(3_000);
    expect(calls).toBe(2);
    release?.();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(3);

    sut.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(3);
  });
});
