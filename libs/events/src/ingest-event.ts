import { type FavouriteAddedEvent } from './favourite-event.schema';
import { type RatingEvent } from './rating-event.schema';

/** A validated event, tagged with its kind so the store can switch over it exhaustively. */
export type IngestEvent =
  ({ kind: 'rating' } & RatingEvent) | ({ kind: 'favourite' } & FavouriteAddedEvent);

export type EventKind = IngestEvent['kind'];
