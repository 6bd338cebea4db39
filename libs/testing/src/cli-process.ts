import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How a command-line run ended: its exit code and what it printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The last line a CLI printed, parsed as JSON: where every command puts its result. */
export const lastJsonLine = (stdout: string): unknown =>
  JSON.parse(stdout.trim().split('\n').pop() ?? '');

/** Runs a CLI's TypeScript entry point (`apps/<cli>/src/main.ts`) from the repository root. */
export async function runCliSource(main: string, args: readonly string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--require', '@swc-node/register', main, ...args],
      { cwd: join(__dirname, '..', '..', '..') },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
