/**
 * Runs a refresh once at start, then every `intervalMs`, never two at once: a tick while the
 * last refresh still waits on Redis joins it rather than starting another. The refresh must
 * not throw (it logs its own failures and is tried again next time).
 */
export class PeriodicRefresh {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Resolves once the first refresh is done. */
  async start(): Promise<void> {
    await this.run();
    this.timer = setInterval(() => void this.run(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private run(): Promise<void> {
    this.running ??= this.refresh().finally(() => (this.running = undefined));
    return this.running;
  }
}
