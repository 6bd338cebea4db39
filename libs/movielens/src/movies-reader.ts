import { z } from 'zod';
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

export interface Movie {
  movieId: number;
  title: string;
  /** Empty when the file lists none ("(no genres listed)", or only ml-100k's "unknown"). */
  genres: string[];
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

const movieSchema = z.object({
  movieId: z.number().int().positive(),
  title: z.string().trim().min(1),
  genres: z.array(z.string().min(1)),
});

/** Detects the layout from the first non-empty line; undefined if it is none of them. */
function detectMoviesFormat(firstLine: string): MoviesFormat | undefined {
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
    const parsed = movieSchema.safeParse(candidate);
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
    return {
      movieId: numberField(fields[0]),
      title: fields[1] ?? '',
      genres: withoutPlaceholders(genres),
    };
  }
  if (fields.length !== 3) return undefined;
  const [movieId, title = '', genres = ''] = fields;
  return {
    movieId: numberField(movieId),
    title,
    genres: withoutPlaceholders(genres.split('|').filter((genre) => genre.length > 0)),
  };
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
