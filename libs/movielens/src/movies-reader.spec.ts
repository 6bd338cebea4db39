import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MovieLensFileError } from './movielens-file.error';
import { ML_100K_GENRES, readMovies } from './movies-reader';

const dir = mkdtempSync(join(tmpdir(), 'movies-reader-'));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** A u.item line: the five leading fields, then a flag for each named genre. */
function anItemLine(
  id: number,
  title: string,
  genres: readonly string[] = [],
  released = '01-Jan-1995',
): string {
  const flags = ML_100K_GENRES.map((genre) => (genres.includes(genre) ? '1' : '0'));
  return [id, title, released, '', 'http://example.org/', ...flags].join('|');
}

describe(readMovies.name, () => {
  it('reads ml-latest movies.csv: header, quoted titles with commas and quotes, CRLF', async () => {
    const path = file(
      'movies.csv',
      [
        'movieId,title,genres',
        '1,Toy Story (1995),Adventure|Animation|Children',
        '11,"American President, The (1995)",Comedy|Drama|Romance',
        '7789,"11\'09""01 - September 11 (2002)",Drama',
        '9999,Untitled,(no genres listed)',
        '',
      ].join('\r\n'),
    );

    expect(await readMovies(path)).toEqual([
      {
        movieId: 1,
        title: 'Toy Story (1995)',
        genres: ['Adventure', 'Animation', 'Children'],
        year: 1995,
      },
      {
        movieId: 11,
        title: 'American President, The (1995)',
        genres: ['Comedy', 'Drama', 'Romance'],
        year: 1995,
      },
      { movieId: 7789, title: '11\'09"01 - September 11 (2002)', genres: ['Drama'], year: 2002 },
      { movieId: 9999, title: 'Untitled', genres: [], year: null },
    ]);
  });

  it('reads ml-100k u.item: latin-1 titles, genre flags in the order of u.genre, the release year', async () => {
    const lines = [
      anItemLine(1, 'Toy Story (1995)', ['Animation', "Children's", 'Comedy']),
      anItemLine(543, 'Misérables, Les (1995)', ['Drama', 'Musical'], '15-Mar-1996'),
      anItemLine(1358, 'Line King (1996)', ['Documentary'], ''),
      anItemLine(267, 'unknown', ['unknown'], ''),
    ];
    const path = file('u.item', Buffer.from(`${lines.join('\n')}\n`, 'latin1'));

    expect(await readMovies(path)).toEqual([
      {
        movieId: 1,
        title: 'Toy Story (1995)',
        genres: ['Animation', "Children's", 'Comedy'],
        year: 1995,
      },
      // The release date's year, not the title's; the title's when no date is given.
      { movieId: 543, title: 'Misérables, Les (1995)', genres: ['Drama', 'Musical'], year: 1996 },
      { movieId: 1358, title: 'Line King (1996)', genres: ['Documentary'], year: 1996 },
      { movieId: 267, title: 'unknown', genres: [], year: null },
    ]);
  });

  it('reads ml-1m movies.dat, "::" separated and latin-1', async () => {
    const path = file(
      'movies.dat',
      Buffer.from(
        "1::Toy Story (1995)::Animation|Children's|Comedy\n73::Misérables, Les (1995)::Drama|Musical\n",
        'latin1',
      ),
    );

    expect(await readMovies(path)).toEqual([
      {
        movieId: 1,
        title: 'Toy Story (1995)',
        genres: ['Animation', "Children's", 'Comedy'],
        year: 1995,
      },
      { movieId: 73, title: 'Misérables, Les (1995)', genres: ['Drama', 'Musical'], year: 1995 },
    ]);
  });

  it('keeps UTF-8 titles of movies.csv intact', async () => {
    const path = file(
      'utf8.csv',
      'movieId,title,genres\n29,"Cité des enfants perdus, La (1995)",Fantasy\n',
    );

    expect((await readMovies(path))[0]?.title).toBe('Cité des enfants perdus, La (1995)');
  });

  it('names the line of a u.item line with a missing genre flag', async () => {
    const good = anItemLine(1, 'Toy Story (1995)');
    const path = file('short.item', `${good}\n${good.slice(0, -2)}\n`);

    await expect(readMovies(path)).rejects.toThrow(/short\.item:2: unexpected fields for item/);
  });

  it('names the line of an unterminated quote and of a bad id', async () => {
    const quote = file('quote.csv', 'movieId,title,genres\n1,"Open (1995),Drama\n');
    const id = file('id.dat', '1::A (1995)::Drama\n\nx::B (1996)::Drama\n');

    await expect(readMovies(quote)).rejects.toThrow(/quote\.csv:2: an unterminated quote/);
    await expect(readMovies(id)).rejects.toThrow(/id\.dat:3: movieId: /);
  });

  it('fails clearly on a missing file and on a file of another layout', async () => {
    await expect(readMovies(join(dir, 'missing.csv'))).rejects.toThrow(MovieLensFileError);
    await expect(readMovies(file('words.txt', 'hello world\n'))).rejects.toThrow(
      /words\.txt:1: unknown layout/,
    );
  });
});
