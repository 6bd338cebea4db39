import { decodeEvent, type IngestEvent, type TopicKind } from '@app/events';
import {
  type BatchHandler,
  type DeadLetter,
  type DeadLetterPublisher,
  type MessageBatch,
} from '@app/kafka';
import {
  type ActiveModel,
  type ApplyResult,
  type IngestCounters,
  isRedisUnavailable,
  type ModelStore,
  type RedisConnection,
  StaleModelsError,
  type UserEventStore,
} from '@app/store';
import { applyIsolatingFailures } from './failure-isolation';
import { type IngestObserver } from './ingest.observer';
import { NewUserPlacer } from './new-user.placer';

export interface IngestStats {
  applied: number;
  deadLettered: number;
}

/** The stores ingestion writes to, and their connection. */
export interface IngestStores {
  users: UserEventStore;
  models: ModelStore;
  counters: IngestCounters;
  connection: RedisConnection;
}

/** A model switch between look-up and write is rare; more stale answers in a row mean a fault. */
const STALE_MODEL_ATTEMPTS = 5;

/** Attempts of a whole batch before its failing events are isolated. */
const APPLY_ATTEMPTS = 2;

type Decoded = { event: IngestEvent; letter: Omit<DeadLetter, 'reason'> };
type Application = { models: ActiveModel[]; result: ApplyResult };

/**
 * Validates one Kafka batch, dead-letters what is invalid and applies the rest to Redis.
 * Both writes finish, and with REDIS_REPLICA_ACKS reach Redis replicas, before the batch counts
 * as handled, so its offsets can then be committed.
 *
 * An event that is valid but cannot be applied (Redis refuses it: a key of the wrong type, say)
 * must not stall its partition: when a batch keeps failing for a reason other than Redis being
 * unavailable, its failing events are isolated by bisection and dead-lettered with the error,
 * and the rest is applied. While Redis is unavailable the batch fails as a whole, nothing is
 * dead-lettered, and the consumer retries it.
 */
export class IngestBatchHandler implements BatchHandler {
  readonly stats: IngestStats = { applied: 0, deadLettered: 0 };
  private readonly kindByTopic: Map<string, TopicKind>;
  private readonly placer: NewUserPlacer;

  constructor(
    topics: Readonly<Record<TopicKind, string>>,
    private readonly stores: IngestStores,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly observer?: IngestObserver,
  ) {
    this.placer = new NewUserPlacer(stores.users, stores.models);
    this.kindByTopic = new Map(
      (Object.entries(topics) as [TopicKind, string][]).map(([kind, topic]) => [topic, kind]),
    );
  }

  async handle({ topic, partition, messages }: MessageBatch): Promise<void> {
    const kind = this.kindByTopic.get(topic);
    if (kind === undefined) throw new Error(`no event kind is configured for topic ${topic}`);
    const started = performance.now();

    const valid: Decoded[] = [];
    const rejected: DeadLetter[] = [];
    for (const message of messages) {
      const result = decodeEvent(kind, message.value);
      if (result.ok) valid.push({ event: result.event, letter: { topic, partition, message } });
      else rejected.push({ topic, partition, message, reason: result.reason });
    }

    const applications: Application[] = [];
    const failed = await applyIsolatingFailures(
      valid,
      async (items) => {
        applications.push(await this.apply(items.map(({ event }) => event)));
      },
      { attempts: APPLY_ATTEMPTS, isFatal: isRedisUnavailable },
    );
    // Placement is a matter of the model, not of an event: its failure fails the whole batch.
    for (const { models, result } of applications) await this.placer.place(models, result);
    const poisoned = failed.map(({ item, error }) => ({
      ...item.letter,
      reason: `could not be applied to Redis: ${error.message}`,
    }));
    const applied = valid.length - poisoned.length;
    const deadLettered = rejected.length + poisoned.length;
    // Counted only once every write landed: readers take an unchanged count to mean unchanged
    // aggregates (the query service then skips re-reading them).
    await this.stores.counters.countBatch(applied, deadLettered);
    await this.stores.connection.replicated();
    // Last before the offsets are committed, so that a batch retried because Redis failed above
    // sends no letter twice; only a crash between this and the commit does (at least once).
    await this.deadLetters.publish([...rejected, ...poisoned]);
    this.stats.applied += applied;
    this.stats.deadLettered += deadLettered;
    this.observer?.batchHandled({
      topic,
      applied,
      deadLettered,
      seconds: (performance.now() - started) / 1000,
    });
  }

  /**
   * Applies events to the active models, looking the models up again when one was published
   * meanwhile (the scripts that refused wrote nothing; those that ran are replays now).
   */
  private async apply(events: readonly IngestEvent[]): Promise<Application> {
    for (let attempt = 1; ; attempt++) {
      const models = await this.stores.models.activeModels();
      try {
        return { models, result: await this.stores.users.applyEvents(events, models) };
      } catch (error) {
        if (!(error instanceof StaleModelsError) || attempt >= STALE_MODEL_ATTEMPTS) throw error;
      }
    }
  }
}
