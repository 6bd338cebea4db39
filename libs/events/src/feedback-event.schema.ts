import { z } from 'zod';
import { eventIdSchema, movieIdSchema, timestampSchema, userIdSchema } from './rating-event.schema';

/**
 * What a user can say about a movie besides rating it, on the feedback topic:
 * - `favourite-removed` takes back a favourite the user added (a favourite by rating is the
 *   rating's: it goes when a later rating drops below the threshold);
 * - `disliked` ("not for me") and `watched` (seen, not rated) keep the movie out of the user's
 *   lists for good.
 */
export const FEEDBACK_KINDS = ['favourite-removed', 'disliked', 'watched'] as const;

export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

const feedbackFields = {
  userId: userIdSchema,
  movieId: movieIdSchema,
  timestamp: timestampSchema,
  eventId: eventIdSchema.optional(),
};

export const feedbackEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('favourite-removed'), ...feedbackFields }),
  z.object({ kind: z.literal('disliked'), ...feedbackFields }),
  z.object({ kind: z.literal('watched'), ...feedbackFields }),
]);

export type FeedbackEvent = z.infer<typeof feedbackEventSchema>;
