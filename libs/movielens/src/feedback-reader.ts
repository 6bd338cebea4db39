import { type FeedbackEvent, feedbackEventSchema } from '@app/events';
import { MovieLensFileError } from './movielens-file.error';
import { isHeader } from './ratings-format';
import { describeFieldIssues, numberField, readTextLines } from './text-lines';

/** The columns of a feedback file, in order; `eventId` may be left out. */
export const FEEDBACK_COLUMNS = ['userId', 'movieId', 'kind', 'timestamp', 'eventId'] as const;

/**
 * Reads every event of a feedback CSV, `userId,movieId,kind,timestamp[,eventId]` (a header row
 * naming the columns may come first; kind: favourite-removed, disliked or watched), validated
 * with the event schema, in file order. The first bad line stops it, named.
 */
export async function readFeedback(path: string): Promise<(FeedbackEvent & { line: number })[]> {
  const lines = await readTextLines(path);
  const events: (FeedbackEvent & { line: number })[] = [];
  for (const [index, { text, number }] of lines.entries()) {
    const fields = text.split(',').map((field) => field.trim());
    if (index === 0 && isHeader(fields)) continue;
    const fail = (detail: string): never => {
      throw new MovieLensFileError(path, number, `${detail} in "${text}"`);
    };
    if (fields.length < 4 || fields.length > FEEDBACK_COLUMNS.length) {
      fail(
        `expected ${FEEDBACK_COLUMNS.slice(0, 4).join(',')}[,eventId], found ${fields.length} fields`,
      );
    }
    const [userId, movieId, kind, timestamp, eventId] = fields;
    const parsed = feedbackEventSchema.safeParse({
      userId: numberField(userId),
      movieId: numberField(movieId),
      kind,
      timestamp: numberField(timestamp),
      ...(eventId === undefined || eventId === '' ? {} : { eventId }),
    });
    if (!parsed.success) fail(describeFieldIssues(parsed.error));
    else events.push({ ...parsed.data, line: number });
  }
  return events;
}
