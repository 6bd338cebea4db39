import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const RUN_CLI = join(__dirname, 'run-cli.ts');
const CLI_ERROR = join(__dirname, 'cli-error.ts');

/** Runs `main` (a function body) through runCli in its own process, as a command would. */
async function runCliWith(main: string): Promise<{ code: number; stderr: string }> {
  const script = `require(${JSON.stringify(RUN_CLI)}).runCli(async () => { ${main} }, 'Usage: x');`;
  try {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['--require', '@swc-node/register', '-e', script],
      { cwd: join(__dirname, '..', '..', '..') },
    );
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('runCli', () => {
  it('ends a failed file operation in one line naming the path, exit 1', async () => {
    const sut = await runCliWith(
      "await require('node:fs/promises').writeFile('/missing-folder/r.html', 'x');",
    );

    expect(sut).toEqual({
      code: 1,
      stderr: "error: ENOENT: no such file or directory, open '/missing-folder/r.html'\n",
    });
  }, 30_000);

  it('ends a usage mistake with the usage line, exit 2', async () => {
    const sut = await runCliWith(
      `throw new (require(${JSON.stringify(CLI_ERROR)}).UsageError)('--k: bad');`,
    );

    expect(sut).toEqual({ code: 2, stderr: 'error: --k: bad\nUsage: x  (--help for more)\n' });
  }, 30_000);

  it('prints the stack of an error nobody expected, exit 1', async () => {
    const sut = await runCliWith("throw new Error('a bug');");

    expect(sut.code).toBe(1);
    expect(sut.stderr).toMatch(/^Error: a bug\n\s+at /);
  }, 30_000);
});
