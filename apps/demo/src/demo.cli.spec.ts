import { join } from 'node:path';
import { freePort } from '@app/cli';
import { runCliSource } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');

describe('npm run demo', () => {
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
