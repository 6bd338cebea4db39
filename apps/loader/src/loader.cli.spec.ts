import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/cli';
import { runCliSource } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'loader-cli-'));
const ratings = join(dir, 'ratings.csv');
writeFileSync(ratings, 'userId,movieId,rating,timestamp\n1,2,4.0,964982703\n');

/** Stderr as lines, for the one-line failures every test here expects. */
const lines = (stderr: string): string[] => stderr.trim().split('\n');

describe('npm run load', () => {
  it.each([
    [
      'a topic name Kafka refuses',
      ['--topic', 'bad topic!'],
      /^error: --topic: expected a Kafka topic name/,
    ],
    [
      'a fractional --limit',
      ['--limit', '1.5'],
      /^error: --limit: expected a whole number, got "1.5"$/,
    ],
  ])(
    'exits 2 on %s, naming the option',
    async (_, args, problem) => {
      const sut = await runCliSource(MAIN, [ratings, ...args], {
        KAFKA_BROKERS: '127.0.0.1:1',
      });

      expect(sut.code).toBe(2);
      expect(lines(sut.stderr)).toEqual([
        expect.stringMatching(problem),
        expect.stringMatching(/^Usage: npm run load/),
      ]);
    },
    60_000,
  );

  it('--help says what each kind of file holds, where it goes, and how the kind is told', async () => {
    const sut = await runCliSource(MAIN, ['--help'], {});

    expect(sut.code).toBe(0);
    for (const text of [
      '--kind ratings|movies|feedback',
      'KAFKA_RATINGS_TOPIC',
      'KAFKA_MOVIES_TOPIC',
      'KAFKA_FEEDBACK_TOPIC',
      'u.item',
      'movies.dat',
      'favourite-removed, disliked, watched',
      'told from its first line',
    ]) {
      expect(sut.stdout).toContain(text);
    }
  }, 60_000);

  it('exits 2 on an unknown --kind, naming the kinds', async () => {
    const sut = await runCliSource(MAIN, [ratings, '--kind', 'users'], {
      KAFKA_BROKERS: '127.0.0.1:1',
    });

    expect(sut.code).toBe(2);
    expect(lines(sut.stderr)[0]).toBe(
      'error: --kind: expected one of ratings, movies, feedback, got "users"',
    );
  }, 60_000);

  it('names a file it cannot read before asking any broker', async () => {
    const missing = join(dir, 'missing.csv');

    const sut = await runCliSource(MAIN, [missing], { KAFKA_BROKERS: '127.0.0.1:1' });

    expect(sut.code).toBe(1);
    expect(lines(sut.stderr)).toEqual([
      expect.stringMatching(/^error: .*missing\.csv: cannot read/),
    ]);
  }, 60_000);

  it('says once, within seconds, that the brokers in KAFKA_BROKERS do not answer', async () => {
    const broker = `127.0.0.1:${await freePort()}`;
    const started = Date.now();

    const sut = await runCliSource(MAIN, [ratings], { KAFKA_BROKERS: broker });

    expect(sut.code).toBe(1);
    expect(lines(sut.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^error: KAFKA_BROKERS: no broker answered at ${broker} `)),
    ]);
    expect(sut.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
