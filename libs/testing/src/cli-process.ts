import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

/** How a command-line run ended: its exit code and what it printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The last line a CLI printed, parsed as JSON: where every command puts its result. */
export const lastJsonLine = (stdout: string): unknown =>
  JSON.parse(stdout.trim().split('\n').pop() ?? '');

async function runNode(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs a CLI's TypeScript entry point (`apps/<cli>/src/main.ts`) from the repository root. */
export function runCliSource(
  main: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  return runNode(['--require', '@swc-node/register', main, ...args], env);
}

/** Runs a built CLI (`dist/<path>`, after `npm run build`) as users run it. */
export function runBuilt(
  path: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  return runNode([join(ROOT, 'dist', path), ...args], env);
}
