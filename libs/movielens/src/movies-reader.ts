import { type MovieEvent, movieEventSchema } from '@app/events';
import { MovieLensFileError } from './movielens-file.error';
import { describeFieldIssues, numberField, readTextLines } from './text-lines';

/**
 * The three MovieLens movie layouts:
 * - `csv`: ml-latest(-small) movies.csv, `movieId,title,genres` with a header row, titles
 *   quoted when they hold a comma, genres `|`-separated;
 * - `item`: ml-100k u.item, `|`-separated: id, title, release date, video release date, IMDb
 *   URL, then one 0/1 flag per genre of u.genre;
 * - `dat`: ml-1m movies.dat, `MovieID::Title::Genres`, genres `|`-separated.
 */
export type MoviesFormat = 'csv' | 'item' | 'dat';

/**
 * A movie as the catalogue's movie event carries it. The title is kept as the file gives it,
 * year included ("Toy Story (1995)"): it is what users of MovieLens know the movie by.
 */
export interface Movie extends MovieEvent {
  /** Empty when the file lists none ("(no genres listed)", or only ml-100k's "unknown"). */
  genres: string[];
  /**
   * The release year: u.item's release date, else the title's trailing "(1995)"; null when
   * neither gives one.
   */
  year: number | null;
}

/** ml-100k's genres in the order of u.genre, which is the order of u.item's flag columns. */
export const ML_100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const;

/** The placeholders the layouts use for "no genre"; one empty list for all of them. */
const NO_GENRE = new Set(['(no genres listed)', 'unknown']);
const ITEM_FIELDS = 5 + ML_100K_GENRES.length;

/** A title's trailing year, "(1995)", as ml-latest, ml-100k and ml-1m write it. */
const TITLE_YEAR = /\((\d{4})\)\s*$/;

/** u.item's release date, "01-Jan-1995". */
const RELEASE_DATE_YEAR = /^\s*\d{1,2}-[A-Za-z]{3}-(\d{4})\s*$/;

/** Detects the layout from the first non-empty line; undefined if it is none of them. */
export function detectMoviesFormat(firstLine: string): MoviesFormat | undefined {
  if (/^\s*\d+::/.test(firstLine)) return 'dat';
  if (/^\s*\d+\|/.test(firstLine)) return 'item';
  if (/^\s*(\d+|"?movieId"?),/i.test(firstLine)) return 'csv';
  return undefined;
}

/** Reads every movie of a MovieLens movies file (movies.csv, u.item or movies.dat), in file order. */
export async function readMovies(path: string): Promise<Movie[]> {
  const lines = await readTextLines(path);
  const [first] = lines;
  const format = first === undefined ? undefined : detectMoviesFormat(first.text);
  if (first === undefined || format === undefined) {
    throw new MovieLensFileError(
      path,
      first?.number,
      'unknown layout: expected movies.csv (","), u.item ("|") or movies.dat ("::") fields',
    );
  }
  const movies: Movie[] = [];
  for (const { text, number } of lines) {
    if (number === first.number && format === 'csv' && /^\s*"?movieId/i.test(text)) continue;
    const fail = (detail: string): never => {
      throw new MovieLensFileError(path, number, `${detail} in "${text}"`);
    };
    const fields = splitFields(text, format) ?? fail('an unterminated quote');
    const candidate = toMovie(fields, format) ?? fail(`unexpected fields for ${format}`);
    const parsed = movieEventSchema.safeParse(candidate);
    if (!parsed.success) {
      fail(describeFieldIssues(parsed.error));
    } else {
      movies.push(parsed.data);
    }
  }
  return movies;
}

function splitFields(text: string, format: MoviesFormat): string[] | undefined {
  switch (format) {
    case 'csv':
      return splitCsvLine(text);
    case 'item':
      return text.split('|');
    case 'dat':
      return text.split('::');
    default: {
      const unknown: never = format;
      throw new Error(`unknown movies format ${String(unknown)}`);
    }
  }
}

/** The fields of a movie, or undefined when their number or flags do not fit the layout. */
function toMovie(fields: readonly string[], format: MoviesFormat): Movie | undefined {
  if (format === 'item') {
    if (fields.length !== ITEM_FIELDS) return undefined;
    const flags = fields.slice(5);
    if (!flags.every((flag) => flag === '0' || flag === '1')) return undefined;
    const genres = ML_100K_GENRES.filter((_, i) => flags[i] === '1');
    const title = fields[1] ?? '';
    return {
      movieId: numberField(fields[0]),
      title,
      genres: withoutPlaceholders(genres),
      year: yearIn(fields[2] ?? '', RELEASE_DATE_YEAR) ?? yearIn(title, TITLE_YEAR),
    };
  }
  if (fields.length !== 3) return undefined;
  const [movieId, title = '', genres = ''] = fields;
  return {
    movieId: numberField(movieId),
    title,
    genres: withoutPlaceholders(genres.split('|').filter((genre) => genre.length > 0)),
    year: yearIn(title, TITLE_YEAR),
  };
}

/** The year `pattern` captures in `text`, or null. */
function yearIn(text: string, pattern: RegExp): number | null {
  const match = pattern.exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
}

const withoutPlaceholders = (genres: readonly string[]): string[] =>
  genres.filter((genre) => !NO_GENRE.has(genre));

/**
 * Splits one CSV line (RFC 4180: a quoted field may hold commas and doubled quotes); undefined
 * when a quote is left open.
 */
function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (quoted) {
      if (char !== '"') field += char;
      else if (line[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}
