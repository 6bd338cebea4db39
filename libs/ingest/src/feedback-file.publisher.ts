import { type EventPublisher } from '@app/kafka';
import { readFeedback } from '@app/movielens';

/**
 * Publishes every event of a feedback CSV (`userId,movieId,kind,timestamp[,eventId]`) keyed by
 * user, in file order. The whole file is read and checked first: a bad line stops it, named,
 * before anything is published.
 */
export async function publishFeedbackFile(
  publisher: EventPublisher,
  path: string,
  { limit = Infinity }: { limit?: number } = {},
): Promise<{ published: number }> {
  const events = (await readFeedback(path)).slice(0, limit);
  for (const { line: _, ...event } of events) await publisher.publish(event.userId, event);
  await publisher.flush();
  return { published: events.length };
}
