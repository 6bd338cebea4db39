import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { freePort } from './service-process';

const ROOT = join(__dirname, '..', '..', '..');

const scripts = z
  .object({ scripts: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))).scripts;

/** The npm scripts the README's command table names (`npm run demo`, `start:query`, ...). */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Commands'));
  const table = section.slice(0, section.indexOf('\n## ', 1));
  const names = [...table.matchAll(/`([^`]+)`/g)].map(
    ([, span = '']) => span.replace(/^npm (run )?/, '').split(' ')[0] ?? '',
  );
  return [...new Set(names)].filter((name) => Object.hasOwn(scripts, name));
}

/** Jest's own: their arguments go to Jest, which has its own --help. */
const PASSED_TO_JEST = ['test', 'test:cluster'];
const commands = readmeCommands().filter((name) => !PASSED_TO_JEST.includes(name));

/**
 * What a script runs after building: `bash <file> ...` as it is, and `node [flags] dist/<x>.js ...`
 * from its TypeScript source, so the test needs no build.
 */
function invocation(script: string): [string, string[]] {
  const [program = '', ...words] = (script.split('&&').pop() ?? '').trim().split(/\s+/);
  if (program === 'bash') return ['bash', words];
  const entry = words.findIndex((word) => word.endsWith('.js'));
  const source = (words[entry] ?? '').replace(/^dist\//, '').replace(/\.js$/, '.ts');
  return [process.execPath, ['--require', '@swc-node/register', source, ...words.slice(entry + 1)]];
}

interface Ended {
  code: number | string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command with --help where doing anything else fails or shows: Kafka and Redis
 * addresses nothing answers on, a stack mode stack.sh refuses, the services' ports free, and an
 * empty STACK_DIR that starting the stack would fill. A command that started a service is
 * killed after the timeout.
 */
async function help(name: string, stackDir: string): Promise<Ended> {
  const [kafka, redis, ...ports] = await Promise.all(Array.from({ length: 6 }, freePort));
  const [program, args] = invocation(scripts[name] ?? '');
  const env = {
    ...process.env,
    STACK_DIR: stackDir,
    KAFKA_NODES: '2',
    KAFKA_BROKERS: `127.0.0.1:${kafka}`,
    REDIS_URL: `redis://127.0.0.1:${redis}`,
    ...Object.fromEntries(
      ['INGEST_PORT', 'RECLUSTER_PORT', 'QUERY_PORT', 'QUERY_RPC_PORT'].map((v, i) => [
        v,
        String(ports[i]),
      ]),
    ),
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(program, [...args, '--help'], {
      cwd: ROOT,
      env,
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; signal?: string; stdout: string; stderr: string };
    return { code: failed.code ?? failed.signal ?? null, ...failed };
  }
}

describe('--help of every command', () => {
  const stackDir = mkdtempSync(join(tmpdir(), 'help-stack-'));
  const runs = new Map<string, Ended>();

  beforeAll(async () => {
    // A few at a time: each loads its command's TypeScript through the compiler.
    const queue = [...commands];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          runs.set(name, await help(name, stackDir));
        }
      }),
    );
  }, 240_000);

  it('finds the commands the README lists, the stack and service scripts among them', () => {
    expect(commands).toEqual(
      expect.arrayContaining([
        'stack:up',
        'stack:down',
        'demo',
        'bench:ingest',
        'bench:query',
        'start:ingest',
        'start:recluster',
        'start:query',
        'load',
        'recluster',
      ]),
    );
  });

  it.each(commands)('npm run %s -- --help prints its usage and exits 0', (name) => {
    const sut = runs.get(name);

    expect(sut).toMatchObject({ code: 0, stderr: '' });
    expect(sut?.stdout).toMatch(/^Usage: /);
    expect(sut?.stdout).toContain('--help');
  });

  it('starts no stack', () => {
    expect(readdirSync(stackDir)).toEqual([]);
  });

  describe('stack:down', () => {
    let decoy: ChildProcess | undefined;

    afterEach(() => {
      decoy?.kill('SIGKILL');
    });

    it('with --help stops nothing that up started, which down without it stops', async () => {
      // A process that stack.sh takes for the Redis it started: its pid file in STACK_DIR, and
      // its command line holding the address down looks for.
      const dir = mkdtempSync(join(tmpdir(), 'help-stack-down-'));
      const port = await freePort();
      decoy = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', `127.0.0.1:${port}`]);
      await once(decoy, 'spawn');
      mkdirSync(join(dir, 'redis'));
      writeFileSync(join(dir, 'redis', 'redis.pid'), String(decoy.pid));
      const [program, args] = invocation(scripts['stack:down'] ?? '');
      const down = (extra: string[]) =>
        promisify(execFile)(program, [...args, ...extra], {
          cwd: ROOT,
          env: { ...process.env, STACK_DIR: dir, REDIS_PORT: String(port) },
        });

      const { stdout } = await down(['--help']);
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect(stdout).toMatch(/^Usage: /);
      expect(decoy.exitCode).toBeNull();
      expect(decoy.signalCode).toBeNull();

      await down([]);

      expect(decoy.signalCode).toBe('SIGTERM');
    }, 60_000);
  });
});
