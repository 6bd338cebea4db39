import { decodeEvent, type EventKind, type IngestEvent } from '@app/events';
import {
  type BatchHandler,
  type DeadLetter,
  type DeadLetterPublisher,
  type MessageBatch,
} from '@app/kafka';
import { type RatingsRepository } from '@app/store';
import { type IngestObserver } from './ingest.observer';
import { NewUserPlacer } from './new-user.placer';

export interface IngestStats {
  applied: number;
  deadLettered: number;
}

/**
 * Validates one Kafka batch, dead-letters what is invalid and applies the rest to Redis.
 * Both writes finish before the batch counts as handled, so its offsets can then be committed.
 */
export class IngestBatchHandler implements BatchHandler {
  readonly stats: IngestStats = { applied: 0, deadLettered: 0 };
  private readonly kindByTopic: Map<string, EventKind>;
  private readonly placer: NewUserPlacer;

  constructor(
    topics: Readonly<Record<EventKind, string>>,
    private readonly repository: RatingsRepository,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly observer?: IngestObserver,
  ) {
    this.placer = new NewUserPlacer(repository);
    this.kindByTopic = new Map(
      (Object.entries(topics) as [EventKind, string][]).map(([kind, topic]) => [topic, kind]),
    );
  }

  async handle({ topic, partition, messages }: MessageBatch): Promise<void> {
    const kind = this.kindByTopic.get(topic);
    if (kind === undefined) throw new Error(`no event kind is configured for topic ${topic}`);
    const started = performance.now();

    const events: IngestEvent[] = [];
    const rejected: DeadLetter[] = [];
    for (const message of messages) {
      const result = decodeEvent(kind, message.value);
      if (result.ok) events.push(result.event);
      else rejected.push({ topic, partition, message, reason: result.reason });
    }

    const [applied] = await Promise.all([
      this.repository.applyEvents(events),
      this.deadLetters.publish(rejected),
    ]);
    await this.placer.place(applied);
    // Counted only once every write landed: readers take an unchanged count to mean unchanged
    // aggregates (the query service then skips re-reading them).
    await this.repository.countIngestedEvents(events.length, rejected.length);
    this.stats.applied += events.length;
    this.stats.deadLettered += rejected.length;
    this.observer?.batchHandled({
      topic,
      applied: events.length,
      deadLettered: rejected.length,
      seconds: (performance.now() - started) / 1000,
    });
  }
}
