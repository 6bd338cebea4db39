import { type TopicLayout } from './kafka-client';

/** A topic the brokers refused to create, and the reason they gave. */
export interface TopicRefusal {
  topic: string;
  reason: string;
}

/**
 * The brokers refused to create topics: each with the brokers' reason, and the layout that was
 * asked for, which KAFKA_TOPIC_* set.
 */
export class TopicCreationError extends Error {
  readonly code = 'TOPIC_CREATION_REFUSED';

  constructor(
    readonly refusals: readonly TopicRefusal[],
    layout: TopicLayout,
    cause: unknown,
  ) {
    const asked = [
      `KAFKA_TOPIC_PARTITIONS=${layout.partitions}`,
      `KAFKA_TOPIC_REPLICATION_FACTOR=${layout.replicationFactor}`,
      ...(layout.minInsyncReplicas === undefined
        ? []
        : [`KAFKA_TOPIC_MIN_INSYNC_REPLICAS=${layout.minInsyncReplicas}`]),
    ];
    super(
      `the brokers refused to create ${refusals.map(({ topic, reason }) => `${topic} (${reason})`).join(', ')}; ` +
        `the topics were asked for with ${asked.join(', ')}`,
      { cause },
    );
    this.name = 'TopicCreationError';
  }

  /** The refusals of a kafkajs createTopics failure, or undefined for any other error. */
  static refusalsOf(error: unknown): TopicRefusal[] | undefined {
    const errors = (error as { errors?: unknown } | null)?.errors;
    if (!Array.isArray(errors)) return undefined;
    return errors.map((refusal: unknown) => {
      const topic = (refusal as { topic?: unknown } | null)?.topic;
      return {
        topic: typeof topic === 'string' ? topic : 'a topic',
        reason: refusal instanceof Error ? refusal.message : String(refusal),
      };
    });
  }
}
