/**
 * The three MovieLens rating layouts:
 * - `csv`: ml-latest(-small) ratings.csv, `userId,movieId,rating,timestamp` with a header row;
 * - `tab`: ml-100k u.data and its u1.base..ub.test splits, tab-separated, no header;
 * - `dat`: ml-1m / ml-10m ratings.dat, `UserID::MovieID::Rating::Timestamp`.
 */
export type RatingsFormat = 'csv' | 'tab' | 'dat';

const SEPARATORS: Readonly<Record<RatingsFormat, string>> = { csv: ',', tab: '\t', dat: '::' };

export const separatorOf = (format: RatingsFormat): string => SEPARATORS[format];

/** Detects the layout from the first non-empty line; undefined if it is none of them. */
export function detectRatingsFormat(firstLine: string): RatingsFormat | undefined {
  if (firstLine.includes('::')) return 'dat';
  if (firstLine.includes('\t')) return 'tab';
  if (firstLine.includes(',')) return 'csv';
  return undefined;
}

/** True for a header row such as `userId,movieId,rating,timestamp`. */
export const isHeader = (fields: readonly string[]): boolean =>
  fields.length > 0 && fields.every((field) => !/^\s*[-+\d.]/.test(field));
