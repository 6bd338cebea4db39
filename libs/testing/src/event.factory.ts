import { seededRandom } from '@app/clustering';
import { FEEDBACK_KINDS, type FeedbackKind, type IngestEvent } from '@app/events';

export type RatingInput = Extract<IngestEvent, { kind: 'rating' }>;
export type FavouriteInput = Extract<IngestEvent, { kind: 'favourite' }>;
export type FeedbackInput = Extract<IngestEvent, { kind: FeedbackKind }>;

export const aRating = (overrides: Partial<RatingInput> = {}): RatingInput => ({
  kind: 'rating',
  userId: 1,
  movieId: 10,
  rating: 4,
  timestamp: 1_000,
  ...overrides,
});

export const aFavourite = (overrides: Partial<FavouriteInput> = {}): FavouriteInput => ({
  kind: 'favourite',
  userId: 1,
  movieId: 10,
  timestamp: 1_000,
  ...overrides,
});

export const aFeedback = (
  kind: FeedbackKind,
  overrides: Partial<Omit<FeedbackInput, 'kind'>> = {},
): FeedbackInput => ({ kind, userId: 1, movieId: 10, timestamp: 1_000, ...overrides });

/**
 * The wire form of an event: what a producer puts in the message value. A rating or a favourite
 * added has a topic of its own; a feedback event says its kind.
 */
export const toWire = (event: IngestEvent): string => {
  if (event.kind !== 'rating' && event.kind !== 'favourite') return JSON.stringify(event);
  const { kind: _kind, ...fields } = event;
  return JSON.stringify(fields);
};

/** The items in a seeded random order (Fisher-Yates). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = out[i] as T;
    out[i] = out[j] as T;
    out[j] = swap;
  }
  return out;
}

/**
 * A seeded stream of valid events with the hard cases mixed in: re-ratings (later and earlier
 * timestamps), explicit favourites of rated and unrated movies, and favourites added twice; with
 * `feedback`, a quarter are feedback events too (favourites removed and added back, disliked and
 * watched movies, some of them twice). Without it the stream is the same as it always was.
 */
export function generateEvents(
  count: number,
  {
    seed = 1,
    users = 20,
    movies = 30,
    feedback = false,
  }: { seed?: number; users?: number; movies?: number; feedback?: boolean } = {},
): IngestEvent[] {
  const random = seededRandom(seed);
  const pick = (n: number): number => 1 + Math.floor(random() * n);
  const events: IngestEvent[] = [];
  for (let i = 0; i < count; i++) {
    const userId = pick(users);
    const movieId = pick(movies);
    const timestamp = 1_000 + Math.floor(random() * 500);
    if (feedback && random() < 0.25) {
      const kind = FEEDBACK_KINDS[pick(FEEDBACK_KINDS.length) - 1] ?? 'watched';
      events.push({ kind, userId, movieId, timestamp });
    } else if (random() < 0.2) {
      events.push({ kind: 'favourite', userId, movieId, timestamp });
    } else {
      events.push({ kind: 'rating', userId, movieId, rating: pick(10) / 2, timestamp });
    }
  }
  return events;
}
