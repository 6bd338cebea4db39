import { z } from 'zod';

export const userIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const movieIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Seconds since the Unix epoch, as in every MovieLens file. */
export const timestampSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
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
