import { readFile } from 'node:fs/promises';
import { type z } from 'zod';
import { MovieLensFileError } from './movielens-file.error';

export interface TextLine {
  text: string;
  /** 1-based, as an editor shows it. */
  number: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The non-empty lines of a small MovieLens file, decoded from its bytes: ml-latest files are
 * UTF-8, ml-100k and ml-1m are latin-1. Latin-1 text with accented letters is almost never valid
 * UTF-8, so a file is read as UTF-8 when it decodes as such and as latin-1 otherwise.
 */
export async function readTextLines(path: string): Promise<TextLine[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new MovieLensFileError(path, undefined, `cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const text = decode(bytes);
  const lines: TextLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length > 0) lines.push({ text: line, number: index + 1 });
  });
  if (lines.length === 0) throw new MovieLensFileError(path, undefined, 'the file is empty');
  return lines;
}

function decode(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // Not UTF-8: the older data sets' latin-1, where every byte is a character.
    return bytes.toString('latin1');
  }
}

/** Why a line's fields were rejected, one `field: message` per problem. */
export const describeFieldIssues = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');

/** A numeric field; NaN for a missing or blank one, so the schema names it. */
export const numberField = (field: string | undefined): number =>
  field === undefined || field.trim() === '' ? Number.NaN : Number(field);
