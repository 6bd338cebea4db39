import { z } from 'zod';

export const userIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const movieIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Seconds since the Unix epoch, as in every MovieLens file. */
export const timestampSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const eventIdSchema = z.string().min(1).max(128);

export const ratingValueSchema = z
  .number()
  .min(0.5)
  .max(5)
  .refine((value) => Number.isInteger(value * 2), 'must be a multiple of 0.5');

export const ratingEventSchema = z.object({
  userId: userIdSchema,
  movieId: movieIdSchema,
  rating: ratingValueSchema,
  timestamp: timestampSchema,
  eventId: eventIdSchema.optional(),
});

export type RatingEvent = z.infer<typeof ratingEventSchema>;
