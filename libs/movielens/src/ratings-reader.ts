import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type RatingEvent, ratingEventSchema } from '@app/events';
import { MovieLensFileError } from './movielens-file.error';
import { detectRatingsFormat, isHeader, type RatingsFormat, separatorOf } from './ratings-format';
import { describeFieldIssues, numberField } from './text-lines';

export interface RatingsFileInfo {
  format: RatingsFormat;
  bytes: number;
}

export interface ReadRatingsOptions {
  /** Called with the bytes read so far, for progress bars. */
  onProgress?: (bytesRead: number) => void;
}

/** Opens a ratings file and tells its layout, failing clearly if it is unreadable or unknown. */
export async function inspectRatingsFile(path: string): Promise<RatingsFileInfo> {
  let bytes: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    bytes = info.size;
  } catch (error) {
    throw new MovieLensFileError(path, undefined, `cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  for await (const { text, number } of lines(path)) {
    if (text.trim().length === 0) continue;
    const format = detectRatingsFormat(text);
    if (format === undefined) {
      throw new MovieLensFileError(
        path,
        number,
        'unknown layout: expected ratings.csv (","), u.data (tab) or ratings.dat ("::") fields',
      );
    }
    return { format, bytes };
  }
  throw new MovieLensFileError(path, undefined, 'the file holds no ratings');
}

/** Streams the ratings of a MovieLens file, validated with the event schema, in file order. */
export async function* readRatings(
  path: string,
  options: ReadRatingsOptions = {},
): AsyncGenerator<RatingEvent & { line: number }> {
  const { format } = await inspectRatingsFile(path);
  const separator = separatorOf(format);
  const stream = createReadStream(path);
  let first = true;
  for await (const { text, number } of lines(path, stream)) {
    if (number % 10_000 === 0) options.onProgress?.(stream.bytesRead);
    if (text.trim().length === 0) continue;
    const fields = text.split(separator);
    if (first && format === 'csv' && isHeader(fields)) {
      first = false;
      continue;
    }
    first = false;
    if (fields.length < 4) {
      throw new MovieLensFileError(
        path,
        number,
        `expected 4 fields, found ${fields.length}: "${text}"`,
      );
    }
    const parsed = ratingEventSchema.safeParse({
      userId: numberField(fields[0]),
      movieId: numberField(fields[1]),
      rating: numberField(fields[2]),
      timestamp: numberField(fields[3]),
    });
    if (!parsed.success) {
      throw new MovieLensFileError(
        path,
        number,
        `${describeFieldIssues(parsed.error)} in "${text}"`,
      );
    }
    yield { ...parsed.data, line: number };
  }
  options.onProgress?.(stream.bytesRead);
}

async function* lines(
  path: string,
  stream = createReadStream(path),
): AsyncGenerator<{ text: string; number: number }> {
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of reader) {
      number++;
      yield { text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, number };
    }
  } catch (error) {
    throw new MovieLensFileError(path, number + 1, `cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    reader.close();
    stream.destroy();
  }
}

/**
 * Reads a whole ratings file to check every line and count the ratings, so a bad line stops a
 * caller before it acts on any (a MovieLensFileError names the line).
 */
export async function countRatings(
  path: string,
  { onProgress }: { onProgress?: (bytesRead: number, bytes: number) => void } = {},
): Promise<{ format: RatingsFormat; ratings: number }> {
  const { format, bytes } = await inspectRatingsFile(path);
  let ratings = 0;
  const all = readRatings(path, { onProgress: (bytesRead) => onProgress?.(bytesRead, bytes) });
  while (!(await all.next()).done) ratings++;
  onProgress?.(bytes, bytes);
  return { format, ratings };
}
