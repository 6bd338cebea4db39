import { UsageError } from './cli-error';

/**
 * The most an option's value can be once the data is read: `{ limit: 21, what: 'users in
 * ratings.csv' }` for a number of clusters, say.
 */
export interface DataBound {
  limit: number;
  what: string;
}

/** A value the data must honour: above the bound it is a usage error naming the option. */
export function withinData(option: string, value: number, { limit, what }: DataBound): number {
  if (value > limit) {
    throw new UsageError(`--${option}: expected at most ${limit} (the ${what}), got ${value}`);
  }
  return value;
}

/**
 * A range `A:B` the data must honour: a usage error naming the option when all of it is above
 * the bound, else the part within it, with a note (through `note`) when its top was cut.
 */
export function rangeWithinData(
  option: string,
  [from, to]: readonly [number, number],
  { limit, what }: DataBound,
  note: (message: string) => void,
): readonly [number, number] {
  if (from > limit) {
    throw new UsageError(
      `--${option}: expected A at most ${limit} (the ${what}), got ${from}:${to}`,
    );
  }
  if (to <= limit) return [from, to];
  note(`--${option} ${from}:${to}: only ${limit} ${what}, so using ${from}:${limit}`);
  return [from, limit];
}
