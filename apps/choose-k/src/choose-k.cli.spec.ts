import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { lastJsonLine, runCliSource } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'choose-k-cli-'));

/** ratings.csv of 21 users over movies 1-12, in three tastes. */
function twentyOneUsersCsv(): string {
  const lines = ['userId,movieId,rating,timestamp'];
  for (let user = 1; user <= 21; user++) {
    for (let movie = 1; movie <= 12; movie++) {
      const liked = Math.floor((movie - 1) / 4) === user % 3;
      lines.push([user, movie, liked ? 4.5 : 1.5 + (user % 2), 1_500_000_000 + movie].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

const ratings = join(dir, 'ratings.csv');
writeFileSync(ratings, twentyOneUsersCsv());

const resultSchema = z.object({ scores: z.array(z.object({ k: z.number().int() })) });
const chooseKCli = (...args: string[]) => runCliSource(MAIN, ['--ratings', ratings, ...args]);

describe('npm run choose-k', () => {
  it('exits 2 when every k of --k-range is more than the users, naming the option', async () => {
    const sut = await chooseKCli('--k-range', '25:5000');

    expect(sut.code).toBe(2);
    expect(sut.stderr.trim().split('\n')).toEqual([
      `error: --k-range: expected A at most 21 (the users in ${ratings}), got 25:5000`,
      expect.stringMatching(/^Usage: npm run choose-k/),
    ]);
    expect(sut.stdout).toBe('');
  }, 60_000);

  it('scores the ks of --k-range up to the users, and says so', async () => {
    const sut = await chooseKCli('--k-range', '19:30', '--restarts', '1');

    expect(sut.code).toBe(0);
    expect(sut.stderr).toMatch(
      new RegExp(`^--k-range 19:30: only 21 users in ${ratings}, so using 19:21\n`),
    );
    const { scores } = resultSchema.parse(lastJsonLine(sut.stdout));
    expect(scores.map(({ k }) => k)).toEqual([19, 20, 21]);
  }, 60_000);
});
