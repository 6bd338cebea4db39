import { decodeEvent, type EventKind, type IngestEvent } from '@app/events';
import {
  type BatchHandler,
  type DeadLetter,
  type DeadLetterPublisher,
  type MessageBatch,
} from '@app/kafka';
import { type RatingsRepository } from '@app/store';

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

  constructor(
    topics: Readonly<Record<EventKind, string>>,
    private readonly repository: RatingsRepository,
    private readonly deadLetters: DeadLetterPublisher,
  ) {
    this.kindByTopic = new Map(
      (Object.entries(topics) as [EventKind, string][]).map(([kind, topic]) => [topic, kind]),
    );
  }

  async handle({ topic, partition, messages }: MessageBatch): Promise<void> {
    const kind = this.kindByTopic.get(topic);
    if (kind === undefined) throw new Error(`no event kind is configured for topic ${topic}`);

    const events: IngestEvent[] = [];
    const rejected: DeadLetter[] = [];
    for (const message of messages) {
      const result = decodeEvent(kind, message.value);
      if (result.ok) events.push(result.event);
      else rejected.push({ topic, partition, message, reason: result.reason });
    }

    const models = await this.repository.activeModels();
    await Promise.all([
      this.repository.applyEvents(events, models),
      this.deadLetters.publish(rejected),
    ]);
    this.stats.applied += events.length;
    this.stats.deadLettered += rejected.length;
  }
}
