import { z } from 'zod';
import { movieIdSchema } from './rating-event.schema';

/**
 * A catalogue entry on the compacted movies topic, keyed by the movie id: the latest message of
 * a key is the movie as it is now. A message with no value (a tombstone) takes the movie out of
 * the catalogue.
 */
/** The longest genre name the catalogue stores, and so the longest a filter can name. */
export const MAX_GENRE_LENGTH = 50;

export const movieEventSchema = z.object({
  movieId: movieIdSchema,
  title: z.string().trim().min(1).max(500),
  genres: z.array(z.string().trim().min(1).max(MAX_GENRE_LENGTH)).max(30),
  /** The release year, when the source gives one. */
  year: z.number().int().min(1800).max(3000).nullable(),
});

export type MovieEvent = z.infer<typeof movieEventSchema>;
