import { z } from 'zod';

export const userIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const movieIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/**
 * The largest timestamp accepted: the store keeps a rating and its timestamp as one integer,
 * timestamp * 16 + half stars, which stays exact below 2^53 (see libs/store).
 */
export const MAX_TIMESTAMP = 2 ** 49 - 1;
/** Seconds since the Unix epoch, as in every MovieLens file (milliseconds fit too). */
export const timestampSchema = z
  .number()
  .int()
  .nonnegative()
  .max(MAX_TIMESTAMP, `must be at most ${MAX_TIMESTAMP} (2^49 - 1)`);
export const eventIdSchema = z.string().min(1).max(128);

/** The rating scale: half stars from MIN_RATING to MAX_RATING. */
export const MIN_RATING = 0.5;
export const MAX_RATING = 5;
/** The middle of the scale: the prediction when nothing at all was rated. */
export const MID_RATING = (MIN_RATING + MAX_RATING) / 2;

export const ratingValueSchema = z
  .number()
  .min(MIN_RATING)
  .max(MAX_RATING)
  .refine((value) => Number.isInteger(value * 2), 'must be a multiple of 0.5');

export const ratingEventSchema = z.object({
  userId: userIdSchema,
  movieId: movieIdSchema,
  rating: ratingValueSchema,
  timestamp: timestampSchema,
  eventId: eventIdSchema.optional(),
});

export type RatingEvent = z.infer<typeof ratingEventSchema>;
