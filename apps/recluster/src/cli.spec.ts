import { join } from 'node:path';
import { freePort } from '@app/cli';
import { runCliSource } from '@app/testing';

const CLI = join(__dirname, 'cli.ts');

describe('npm run recluster', () => {
  it.each(['history', 'run'])(
    '%s says once, within seconds, that the Redis in REDIS_URL does not answer',
    async (name) => {
      const url = `redis://127.0.0.1:${await freePort()}`;
      const started = Date.now();

      const sut = await runCliSource(CLI, [name], { REDIS_URL: url });

      expect(sut.code).toBe(1);
      expect(sut.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^error: REDIS_URL: no Redis answered at ${url} within`)),
      ]);
      expect(sut.stdout).toBe('');
      expect(Date.now() - started).toBeLessThan(20_000);
    },
    60_000,
  );

  it('exits 2 on an unknown command, naming it', async () => {
    const sut = await runCliSource(CLI, ['histroy']);

    expect(sut.code).toBe(2);
    expect(sut.stderr.trim().split('\n')).toEqual([
      'error: unknown command "histroy": expected one of run, rollback, resume, history, candidate, promote, discard',
      expect.stringMatching(/^Usage: npm run recluster/),
    ]);
  }, 60_000);

  it.each([
    [['run', '--k', '8'], 'error: --k goes with candidate'],
    [
      ['candidate', '--values', 'stars'],
      /^error: --values: expected one of .*binary.*, got "stars"$/,
    ],
    [['candidate', '--k', '0'], 'error: --k: expected a whole number from 1 to 10000, got 0'],
  ])(
    'exits 2 on %j, naming the option',
    async (args, message) => {
      const sut = await runCliSource(CLI, args);

      expect(sut.code).toBe(2);
      expect(sut.stderr.trim().split('\n')[0]).toMatch(message);
    },
    60_000,
  );
});
