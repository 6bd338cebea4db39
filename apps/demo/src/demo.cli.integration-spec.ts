import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, projectRoot } from '@app/cli';
import { isolatedEnvironment, runCliSource, serviceEnvironment } from '@app/testing';

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

  it('runs the whole system and prints a filtered answer and one after a disliked event', async () => {
    const env = isolatedEnvironment();
    const dir = await mkdtemp(join(tmpdir(), 'demo-'));
    const ratings = join(dir, 'ratings.csv');
    // The first 40 users of ml-latest-small: enough for a model, quick to stream.
    const lines = (await readFile(join(projectRoot(), 'data/ml-latest-small/ratings.csv'), 'utf8'))
      .split('\n')
      .filter((line, i) => i === 0 || Number(line.split(',')[0]) <= 40);
    await writeFile(ratings, `${lines.join('\n')}\n`);

    const sut = await runCliSource(
      MAIN,
      ['--no-stack', '--exit', '--ratings', ratings, '--users', '1'],
      {
        ...serviceEnvironment(env),
        INGEST_PORT: String(await freePort()),
        QUERY_PORT: String(await freePort()),
        QUERY_RPC_PORT: String(await freePort()),
        RECLUSTER_PORT: String(await freePort()),
        RECLUSTER_K: '3',
        RECLUSTER_MIN_CLUSTER_SIZE: '2',
      },
    );

    expect(sut).toMatchObject({ code: 0 });
    const answer = (heading: RegExp) => {
      const block = sut.stdout.split('\n\n').find((part) => heading.test(part));
      expect(block).toBeDefined();
      return (block ?? '').split('\n').filter((line) => /^ {2}\d+\. /.test(line));
    };
    const [, disliked = ''] = /User 1, after disliking (.+) \(/.exec(sut.stdout) ?? [];
    const [, excluded = ''] = /User 1, comedies only, leaving out (.+) \(/.exec(sut.stdout) ?? [];
    expect(disliked).not.toBe('');
    expect(excluded).toBe(disliked);
    const filtered = answer(/^User 1, comedies only/);
    const after = answer(/^User 1, after disliking/);
    expect(filtered).toHaveLength(5);
    expect(after).toHaveLength(5);
    // The movie left out, then disliked, was the top of the first answer, and is in neither.
    expect(answer(/^User 1 \(/)[0]).toContain(disliked);
    for (const line of [...filtered, ...after]) expect(line).not.toContain(disliked);
  }, 300_000);
});
