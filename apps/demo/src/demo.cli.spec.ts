import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/cli';
import { runCliSource } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');

describe('npm run demo', () => {
  it('names the file and line of a bad ratings file before starting anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-cli-'));
    const ratings = join(dir, 'ratings.csv');
    writeFileSync(ratings, 'userId,movieId,rating,timestamp\n1,2,4.0,964982703\n1,x\n');

    // KAFKA_NODES=2 is refused by the stack script: starting the stack would fail otherwise.
    const sut = await runCliSource(MAIN, ['--ratings', ratings], { KAFKA_NODES: '2' });

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^error: ${ratings}:3: `)),
    ]);
  }, 60_000);

  it('says once, before starting any service, that the brokers in KAFKA_BROKERS do not answer', async () => {
    const broker = `127.0.0.1:${await freePort()}`;
    const started = Date.now();

    const sut = await runCliSource(MAIN, ['--no-stack'], { KAFKA_BROKERS: broker });

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^error: KAFKA_BROKERS: no broker answered at ${broker} `)),
    ]);
    expect(sut.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
