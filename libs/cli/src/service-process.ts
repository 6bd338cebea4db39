import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface ServiceProcessOptions {
  /**
   * Write the service's output here as it arrives instead of keeping it for `logs` and
   * `waitForLog`: for a service that runs for as long as its user likes.
   */
  echo?: NodeJS.WritableStream;
}

/**
 * A compiled service (`npm run build`) running as its own process, as it runs in production,
 * started from the repository root: how the demo, the benchmarks and the tests run the system.
 */
export class ServiceProcess {
  private output = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    { echo }: ServiceProcessOptions,
  ) {
    const collect = (chunk: Buffer): void => {
      if (echo === undefined) this.output += chunk.toString();
      else echo.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  /** Starts `dist/apps/<app>/src/main.js` with the given environment (added to this one). */
  static start(
    app: string,
    env: Record<string, string>,
    options: ServiceProcessOptions = {},
  ): ServiceProcess {
    const entry = join(process.cwd(), 'dist', 'apps', app, 'src', 'main.js');
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(app, child, options);
  }

  /** Everything the service printed so far. */
  get logs(): string {
    return this.output;
  }

  get exitCode(): number | null {
    return this.child.exitCode;
  }

  /** Resolves once the service printed a line matching `pattern`; fails if it exits first. */
  async waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null) {
        throw new Error(`${this.name} exited (${this.child.exitCode}):\n${this.output}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.name} did not log ${pattern} in ${timeoutMs} ms:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * SIGTERM, then how the service ended: 0 or "SIGTERM" after a clean shutdown (Nest re-raises
   * the signal once its shutdown hooks ran), anything else when it crashed.
   */
  async stop(): Promise<number | NodeJS.Signals | null> {
    if (this.running) {
      const exited = this.exited();
      this.child.kill('SIGTERM');
      await exited;
    }
    return this.child.exitCode ?? this.child.signalCode;
  }

  /** Sends a signal: SIGSTOP and SIGCONT freeze and thaw it, SIGKILL ends it at once. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves once the service has exited, however it ended. */
  async exited(): Promise<void> {
    if (this.running) await once(this.child, 'exit');
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
