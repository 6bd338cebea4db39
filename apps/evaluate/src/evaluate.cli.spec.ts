import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { lastJsonLine, runCliSource } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'evaluate-cli-'));

/** u.data lines of two taste groups of eight users over movies 1-12, with a little noise. */
function twoTastesUData(): string {
  const lines: string[] = [];
  for (let user = 1; user <= 16; user++) {
    for (let movie = 1; movie <= 12; movie++) {
      const liked = movie <= 6 === user <= 8;
      const rating = liked ? 5 - ((user + movie) % 2) : 1 + ((user * movie) % 2);
      lines.push([user, movie, rating, 880_000_000 + user * 100 + movie].join('\t'));
    }
  }
  return `${lines.join('\n')}\n`;
}

const ratings = join(dir, 'u.data');
writeFileSync(ratings, twoTastesUData());
const users = join(dir, 'u.user');
writeFileSync(
  users,
  Array.from({ length: 16 }, (_, i) => `${i + 1}|${20 + i}|${i % 2 ? 'F' : 'M'}|writer|0000${i}`)
    .join('\n')
    .concat('\n'),
);

const evaluateCli = (...args: string[]) => runCliSource(MAIN, args);

const accuracy = z.strictObject({
  rmse: z.number(),
  mae: z.number(),
  top5pctMeanRating: z.number(),
});
const ranking = accuracy.extend({
  precision10: z.number().min(0).max(1),
  recall10: z.number().min(0).max(1),
  ndcg10: z.number().min(0).max(1),
  coverage: z.number().min(0).max(1),
});
const listOnly = ranking.omit({ rmse: true, mae: true, top5pctMeanRating: true });
const tunedSetting = z.strictObject({
  grid: z.array(z.unknown()),
  scores: z.array(z.number()),
  chosen: z.unknown(),
  by: z.enum(['validation rmse', 'validation ndcg10']),
});
/** The result line's promised shape: every method, the metrics that apply to it. */
const resultSchema = z.object({
  methods: z.strictObject({
    cluster: ranking,
    similar: listOnly,
    als: ranking,
    mostFavoured: ranking,
    itemKnn: listOnly,
    bias: ranking,
    topRated: ranking,
    globalMean: accuracy,
    movieMean: accuracy,
  }),
  tuned: z.record(z.string(), tunedSetting),
  settings: z.object({ model: z.object({ k: z.number().int() }) }),
  k: z.number().int(),
  clusters: z.number().int(),
  split: z.enum(['given', 'seeded']),
  users: z.number().int(),
  testRatings: z.number().int(),
  validationRatings: z.number().int(),
  byGender: z.record(z.string(), z.object({ users: z.number().int() })).optional(),
  coldStart: z
    .object({
      coldUsers: z.number().int(),
      runs: z.array(
        z.object({ kept: z.number().int(), users: z.number().int(), methods: z.object({}) }),
      ),
    })
    .optional(),
});

const resultOf = (stdout: string) => resultSchema.parse(lastJsonLine(stdout));

describe('npm run evaluate', () => {
  it('tunes k over --k-range on validation ratings and prints every method as the last line', async () => {
    const sut = await evaluateCli(
      '--ratings',
      ratings,
      '--users',
      users,
      '--k-range',
      '2:3',
      '--min-cluster-size',
      '1',
      '--threads',
      '1',
      '--seed',
      '3',
      '--cold-start',
    );

    expect(sut.code).toBe(0);
    const result = resultOf(sut.stdout);
    expect(Object.keys(result.methods)).toEqual([
      'cluster',
      'similar',
      'als',
      'mostFavoured',
      'itemKnn',
      'bias',
      'topRated',
      'globalMean',
      'movieMean',
    ]);
    expect(result).toMatchObject({ split: 'seeded', users: 16 });
    expect(result.tuned.k).toMatchObject({ grid: [2, 3], by: 'validation ndcg10' });
    expect(result.tuned.k?.chosen).toBe(result.k);
    expect(result.settings.model.k).toBe(result.k);
    expect(result.tuned.shrinkage?.by).toBe('validation rmse');
    expect(result.validationRatings).toBeGreaterThan(0);
    expect(Object.keys(result.byGender ?? {})).toEqual(['F', 'M']);
    expect(result.coldStart?.runs.map((run) => run.kept)).toEqual([0, 1, 3, 5]);
    expect(sut.stderr).toContain('k: ');
  }, 120_000);

  it('uses a given test file instead of the seeded split', async () => {
    const test = join(dir, 'u1.test');
    writeFileSync(test, '1\t12\t1\t880000000\n9\t1\t1\t880000000\n');

    const sut = await evaluateCli(
      '--ratings',
      ratings,
      '--test',
      test,
      '--k',
      '2',
      '--threads',
      '1',
    );

    expect(sut.code).toBe(0);
    const result = resultOf(sut.stdout);
    expect(result).toMatchObject({ split: 'given', testRatings: 2, k: 2 });
    // A fixed k is not tuned.
    expect(result.tuned.k).toBeUndefined();
    expect(result.coldStart).toBeUndefined();
  }, 60_000);

  it('exits 2 with the usage for bad arguments', async () => {
    for (const args of [
      [],
      ['--ratings', ratings, '--k', 'x'],
      ['--ratings', ratings, '--nope'],
      ['--ratings', ratings, '--k', '2', '--k-range', '2:3'],
    ]) {
      const sut = await evaluateCli(...args);

      expect(sut.code).toBe(2);
      expect(sut.stderr).toContain('Usage: npm run evaluate');
    }
  }, 60_000);

  it.each([
    [['--k', '5000'], '--k: expected at most 16 (the users in the training ratings), got 5000'],
    [
      ['--k-range', '17:40'],
      '--k-range: expected A at most 16 (the users in the training ratings), got 17:40',
    ],
  ])(
    'exits 2 on %j, more clusters than the data has users',
    async (args, problem) => {
      const sut = await evaluateCli('--ratings', ratings, ...args);

      expect(sut.code).toBe(2);
      expect(sut.stderr.trim().split('\n')).toEqual([
        `reading ${ratings}`,
        `error: ${problem}`,
        expect.stringMatching(/^Usage: npm run evaluate/),
      ]);
      expect(sut.stdout).toBe('');
    },
    60_000,
  );

  it('says which ks of the default grid the users leave out', async () => {
    const sut = await evaluateCli(
      '--ratings',
      ratings,
      '--min-cluster-size',
      '1',
      '--threads',
      '1',
    );

    expect(sut.code).toBe(0);
    expect(sut.stderr).toContain(
      'k grid: only 16 users in the training ratings, so trying 5, 10\n',
    );
    expect(resultOf(sut.stdout).tuned.k?.grid).toEqual([5, 10]);
  }, 120_000);

  it('says how many clusters the tiny-cluster merge left of --k', async () => {
    const sut = await evaluateCli('--ratings', ratings, '--k', '8', '--threads', '1');

    expect(sut.code).toBe(0);
    const { k, clusters } = resultOf(sut.stdout);
    expect(k).toBe(8);
    // Sixteen users make at most three clusters of five.
    expect(clusters).toBeLessThanOrEqual(3);
    expect(sut.stderr).toContain(
      `k 8: ${clusters} clusters left after merging those of fewer than 5 users (--min-cluster-size)\n`,
    );
  }, 60_000);

  it('exits 1 naming the file and line of a bad ratings file', async () => {
    const bad = join(dir, 'bad.data');
    writeFileSync(bad, '1\t2\t3\t4\n1\t2\t9\t4\n');

    const sut = await evaluateCli('--ratings', bad);

    expect(sut.code).toBe(1);
    expect(sut.stderr).toMatch(/bad\.data:2: rating/);
  }, 60_000);
});
