import { join } from 'node:path';
import { freePort } from '@app/cli';
import { isolatedEnvironment, runCliSource } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');

describe('npm run demo', () => {
  it('says once, before starting any service, that the Redis in REDIS_URL does not answer', async () => {
    const env = isolatedEnvironment();
    const url = `redis://127.0.0.1:${await freePort()}`;

    const sut = await runCliSource(MAIN, ['--no-stack'], {
      KAFKA_BROKERS: env.kafka.brokers.join(','),
      REDIS_URL: url,
      REDIS_CLUSTER: 'false',
    });

    expect(sut.code).toBe(1);
    expect(sut.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^error: REDIS_URL: no Redis answered at ${url} within`)),
    ]);
    expect(sut.stdout).toBe('');
  }, 60_000);
});
