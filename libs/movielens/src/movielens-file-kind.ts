import { open } from 'node:fs/promises';
import { FEEDBACK_KINDS } from '@app/events';
import { MovieLensFileError } from './movielens-file.error';

/** What a file for the loader holds: rating events, the catalogue's movies, or feedback. */
export const MOVIELENS_FILE_KINDS = ['ratings', 'movies', 'feedback'] as const;

export type MovieLensFileKind = (typeof MOVIELENS_FILE_KINDS)[number];

/** Enough of a file's start to hold its first line, in every layout. */
const HEAD_BYTES = 64 * 1024;

const FEEDBACK_KIND_NAMES: ReadonlySet<string> = new Set(FEEDBACK_KINDS);

/**
 * Tells what a file holds from its first non-empty line, reading only the start of it (a ratings
 * file may be gigabytes):
 * - movies: a `|`-separated line (u.item; no ratings layout uses `|`), three `::` fields
 *   (movies.dat; ratings.dat has four), or a CSV header naming a `title` column (movies.csv);
 * - feedback: a CSV header naming a `kind` column, or a third field that is a feedback kind;
 * - ratings: anything else, which the ratings reader then accepts or names the line of.
 */
export async function detectFileKind(path: string): Promise<MovieLensFileKind> {
  const line = firstLine(await readHead(path));
  if (line === undefined) return 'ratings';
  if (/^\s*\d+\|/.test(line)) return 'movies';
  if (line.includes('::')) return line.split('::').length === 3 ? 'movies' : 'ratings';
  if (line.includes('\t')) return 'ratings';
  const fields = line.split(',').map((field) => field.trim().replace(/^"|"$/g, '').toLowerCase());
  if (fields.includes('title')) return 'movies';
  if (fields.includes('kind') || FEEDBACK_KIND_NAMES.has(fields[2] ?? '')) return 'feedback';
  return 'ratings';
}

async function readHead(path: string): Promise<string> {
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
      // Only for telling the layout apart, which needs no accented letter: latin-1 never fails.
      return buffer.subarray(0, bytesRead).toString('latin1');
    } finally {
      await file.close();
    }
  } catch (error) {
    throw new MovieLensFileError(path, undefined, `cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const firstLine = (text: string): string | undefined =>
  text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .find((line) => line.trim().length > 0);
