import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MovieLensFileError } from './movielens-file.error';
import { inspectRatingsFile, readRatings } from './ratings-reader';

const dir = mkdtempSync(join(tmpdir(), 'ratings-reader-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const readAll = async (path: string) => {
  const ratings = [];
  for await (const rating of readRatings(path)) ratings.push(rating);
  return ratings;
};

describe(readRatings.name, () => {
  it('reads ml-latest ratings.csv with its header and CRLF line ends', async () => {
    const path = file('ratings.csv', 'userId,movieId,rating,timestamp\r\n1,31,2.5,1260759144\r\n');

    expect(await readAll(path)).toEqual([
      { userId: 1, movieId: 31, rating: 2.5, timestamp: 1260759144, line: 2 },
    ]);
    expect((await inspectRatingsFile(path)).format).toBe('csv');
  });

  it('reads ml-100k u.data, tab separated', async () => {
    const path = file('u.data', '196\t242\t3\t881250949\n186\t302\t3\t891717742\n');

    expect(await readAll(path)).toEqual([
      { userId: 196, movieId: 242, rating: 3, timestamp: 881250949, line: 1 },
      { userId: 186, movieId: 302, rating: 3, timestamp: 891717742, line: 2 },
    ]);
  });

  it('reads ml-1m ratings.dat, "::" separated', async () => {
    const path = file('ratings.dat', '1::1193::5::978300760\n');

    expect(await readAll(path)).toEqual([
      { userId: 1, movieId: 1193, rating: 5, timestamp: 978300760, line: 1 },
    ]);
  });

  it('names the line of a bad rating', async () => {
    const path = file('bad.csv', 'userId,movieId,rating,timestamp\n1,2,3,4\n1,2,9,4\n');

    await expect(readAll(path)).rejects.toThrow(/bad\.csv:3: rating: /);
  });

  it('names the line of a line with too few fields', async () => {
    const path = file('short.data', '1\t2\t3\t4\n1\t2\n');

    await expect(readAll(path)).rejects.toThrow(/short\.data:2: expected 4 fields, found 2/);
  });

  it('fails clearly on an unreadable file', async () => {
    await expect(readAll(join(dir, 'missing.csv'))).rejects.toThrow(MovieLensFileError);
    await expect(readAll(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: cannot read/);
  });

  it('fails clearly on a file of another layout', async () => {
    const path = file('words.txt', 'hello world\n');

    await expect(readAll(path)).rejects.toThrow(/words\.txt:1: unknown layout/);
  });
});
