import { type z } from 'zod';
import { favouriteAddedEventSchema } from './favourite-event.schema';
import { feedbackEventSchema } from './feedback-event.schema';
import { type IngestEvent, type TopicKind } from './ingest-event';
import { ratingEventSchema } from './rating-event.schema';

export type DecodeResult = { ok: true; event: IngestEvent } | { ok: false; reason: string };

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'event'}: ${issue.message}`)
    .join('; ');

/** Turns a message value into a validated event, or says exactly why it cannot. */
export function decodeEvent(kind: TopicKind, value: Buffer | null): DecodeResult {
  if (value === null || value.length === 0) {
    return { ok: false, reason: 'empty message value' };
  }
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` };
  }
  switch (kind) {
    case 'rating': {
      const parsed = ratingEventSchema.safeParse(json);
      return parsed.success
        ? { ok: true, event: { kind: 'rating', ...parsed.data } }
        : { ok: false, reason: `invalid rating event: ${describeIssues(parsed.error)}` };
    }
    case 'favourite': {
      const parsed = favouriteAddedEventSchema.safeParse(json);
      return parsed.success
        ? { ok: true, event: { kind: 'favourite', ...parsed.data } }
        : { ok: false, reason: `invalid favourite-added event: ${describeIssues(parsed.error)}` };
    }
    case 'feedback': {
      const parsed = feedbackEventSchema.safeParse(json);
      return parsed.success
        ? { ok: true, event: parsed.data }
        : { ok: false, reason: `invalid feedback event: ${describeIssues(parsed.error)}` };
    }
    default: {
      const unknown: never = kind;
      return { ok: false, reason: `no schema for event kind ${String(unknown)}` };
    }
  }
}
