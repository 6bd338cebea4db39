import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFileKind } from './movielens-file-kind';
import { MovieLensFileError } from './movielens-file.error';

const dir = mkdtempSync(join(tmpdir(), 'file-kind-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe(detectFileKind.name, () => {
  it.each([
    ['ratings.csv', 'userId,movieId,rating,timestamp\n1,2,4.0,964982703\n', 'ratings'],
    ['u.data', '\n196\t242\t3\t881250949\n', 'ratings'],
    ['ratings.dat', '1::1193::5::978300760\n', 'ratings'],
    ['movies.csv', 'movieId,title,genres\r\n1,Toy Story (1995),Animation\r\n', 'movies'],
    ['u.item', '1|Toy Story (1995)|01-Jan-1995||http://example.org/|0|0|1\n', 'movies'],
    ['movies.dat', "1::Toy Story (1995)::Animation|Children's|Comedy\n", 'movies'],
    ['feedback.csv', 'userId,movieId,kind,timestamp\n1,2,disliked,964982703\n', 'feedback'],
    ['no-header.csv', '1,2,watched,964982703\n', 'feedback'],
  ] as const)('tells %s from its first line', async (name, content, kind) => {
    expect(await detectFileKind(file(name, content))).toBe(kind);
  });

  it('leaves a file of no known layout to the ratings reader, which names its line', async () => {
    expect(await detectFileKind(file('words.txt', 'hello world\n'))).toBe('ratings');
  });

  it('names the path of a file it cannot read', async () => {
    const missing = join(dir, 'missing.csv');

    await expect(detectFileKind(missing)).rejects.toThrow(MovieLensFileError);
    await expect(detectFileKind(missing)).rejects.toThrow(/missing\.csv: cannot read/);
  });
});
