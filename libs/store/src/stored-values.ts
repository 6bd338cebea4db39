import { type UserProfile, userProfileSchema } from '@app/events';

/**
 * How values are stored (see lua-functions): a rating with its timestamp as one integer,
 * timestamp * 16 + half stars; an explicit favourite as timestamp * 2 + 1 (added) or + 0
 * (removed). Both below 2^53 for every timestamp events accept.
 */
export const encodeRating = (rating: number, timestamp: number): number =>
  timestamp * 16 + Math.round(rating * 2);

export const decodeRating = (packed: number): { rating: number; timestamp: number } => ({
  rating: (packed % 16) / 2,
  timestamp: Math.floor(packed / 16),
});

export const encodeFavourite = (timestamp: number, added: boolean): number =>
  timestamp * 2 + (added ? 1 : 0);

/** A hash read as a flat field, value list (HGETALL inside Lua), as a record. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] ?? ''] = flat[i + 1] ?? '';
  return fields;
}

/** A stored profile hash as a profile; undefined when there is none (or it no longer parses). */
export function toProfile(raw: Record<string, string>): UserProfile | undefined {
  const parsed = userProfileSchema.safeParse({ ...raw, age: Number(raw.age) });
  return parsed.success ? parsed.data : undefined;
}
