import { type FeedbackEvent } from '@app/events';
import { type EventPublisher } from '@app/kafka';

/**
 * Publishes feedback events, as read (and checked) from a feedback file, keyed by user, so one
 * user's events keep their file order.
 */
export async function publishFeedback(
  publisher: EventPublisher,
  events: readonly (FeedbackEvent & { line?: number })[],
): Promise<{ published: number }> {
  for (const { line: _, ...event } of events) await publisher.publish(event.userId, event);
  await publisher.flush();
  return { published: events.length };
}
