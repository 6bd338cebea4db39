import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { lastJsonLine, runCliSource } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'report-cli-'));

/** ratings.csv of three taste groups of eight users over movies 1-12. */
function threeTastesCsv(): string {
  const lines = ['userId,movieId,rating,timestamp'];
  for (let user = 1; user <= 24; user++) {
    for (let movie = 1; movie <= 12; movie++) {
      const liked = Math.floor((movie - 1) / 4) === user % 3;
      lines.push([user, movie, liked ? 4.5 : 1.5 + (user % 2), 1_500_000_000 + movie].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

const ratings = join(dir, 'ratings.csv');
writeFileSync(ratings, threeTastesCsv());
const movies = join(dir, 'movies.csv');
writeFileSync(
  movies,
  [
    'movieId,title,genres',
    '1,"American President, The (1995)",Comedy',
    '2,Fish <&> Chips (2001),Drama',
    ...Array.from({ length: 10 }, (_, i) => `${i + 3},Movie ${i + 3} (2000),Drama`),
  ].join('\n'),
);

const reportCli = (...args: string[]) => runCliSource(MAIN, args);

const resultSchema = z.object({
  out: z.string(),
  k: z.number().int(),
  tuned: z.object({ k: z.object({ chosen: z.number() }).optional() }),
  methods: z.object({ cluster: z.object({ rmse: z.number(), ndcg10: z.number() }) }),
});

describe('npm run report', () => {
  it('writes one self-contained HTML file with every chart, titled from --movies', async () => {
    const out = join(dir, 'report.html');

    const sut = await reportCli(
      '--ratings',
      ratings,
      '--movies',
      movies,
      '--out',
      out,
      '--k',
      '3',
      '--k-range',
      '2:4',
      '--min-cluster-size',
      '1',
      '--sample',
      '20',
      '--threads',
      '1',
      '--cold-start',
    );

    expect(sut.code).toBe(0);
    const result = resultSchema.parse(lastJsonLine(sut.stdout));
    expect(result).toMatchObject({ out, k: 3 });
    expect(result.tuned.k).toBeUndefined();
    const html = readFileSync(out, 'utf8');
    for (const id of [
      'elbow-chart',
      'silhouette-chart',
      'sizes-chart',
      'tuned-table',
      'metrics-table',
      'cold-start-table',
    ]) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html.match(/<svg class="heatmap"/g)).toHaveLength(3);
    expect(html).toContain('American President, The (1995)');
    expect(html).toMatch(/<th>topRated<\/th>/);
    expect(html).toContain('validation ndcg10');
    expect(html).toContain('Fish &#60;&#38;&#62; Chips');
    expect(html).not.toMatch(/<script|<link|\ssrc=|\shref=/);
    expect(html.match(/<circle /g)).toHaveLength(2 * 3);
  }, 60_000);

  it.each([
    [
      'a missing folder',
      join(dir, 'missing', 'r.html'),
      /^error: --out: the folder .+missing does not exist$/,
    ],
    ['a folder', dir, /^error: --out: .+ is a folder; give a file name$/],
  ])(
    'exits 2 before reading anything when --out is %s',
    async (_, out, problem) => {
      const sut = await reportCli('--ratings', ratings, '--out', out, '--k', '3');

      expect(sut.code).toBe(2);
      const [first, ...rest] = sut.stderr.trim().split('\n');
      expect(first).toMatch(problem);
      expect(rest).toEqual([expect.stringMatching(/^Usage: npm run report/)]);
      expect(sut.stdout).toBe('');
    },
    60_000,
  );

  it.each([
    [['--k', '5000'], '--k: expected at most 24 (the users in the training ratings), got 5000'],
    [
      ['--k', '3', '--k-range', '30:40'],
      '--k-range: expected A at most 24 (the users in the training ratings), got 30:40',
    ],
  ])(
    'exits 2 on %j, more clusters than the data has users',
    async (args, problem) => {
      const out = join(dir, 'too-many.html');

      const sut = await reportCli('--ratings', ratings, '--out', out, ...args);

      expect(sut.code).toBe(2);
      expect(sut.stderr.trim().split('\n')).toEqual([
        `reading ${ratings}`,
        `error: ${problem}`,
        expect.stringMatching(/^Usage: npm run report/),
      ]);
      expect(existsSync(out)).toBe(false);
    },
    60_000,
  );

  it('exits 2 with the usage without --out', async () => {
    const sut = await reportCli('--ratings', ratings);

    expect(sut.code).toBe(2);
    expect(sut.stderr).toContain('--out: required');
    expect(sut.stderr).toContain('Usage: npm run report');
  }, 60_000);
});
