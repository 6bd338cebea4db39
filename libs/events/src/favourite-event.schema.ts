import { z } from 'zod';
import { eventIdSchema, movieIdSchema, timestampSchema, userIdSchema } from './rating-event.schema';

export const favouriteAddedEventSchema = z.object({
  userId: userIdSchema,
  movieId: movieIdSchema,
  timestamp: timestampSchema,
  eventId: eventIdSchema.optional(),
});

export type FavouriteAddedEvent = z.infer<typeof favouriteAddedEventSchema>;
