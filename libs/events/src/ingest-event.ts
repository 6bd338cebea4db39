import { type FavouriteAddedEvent } from './favourite-event.schema';
import { type FeedbackEvent } from './feedback-event.schema';
import { type RatingEvent } from './rating-event.schema';

/** A validated event, tagged with its kind so the store can switch over it exhaustively. */
export type IngestEvent =
  | ({ kind: 'rating' } & RatingEvent)
  | ({ kind: 'favourite' } & FavouriteAddedEvent)
  | FeedbackEvent;

export type EventKind = IngestEvent['kind'];

/** The user event topics ingestion consumes, by what they carry. */
export const TOPIC_KINDS = ['rating', 'favourite', 'feedback'] as const;

export type TopicKind = (typeof TOPIC_KINDS)[number];
