import { type TopicKind } from './ingest-event';

/** Default topic names; deployments may rename them (see KAFKA_*_TOPIC). */
export const DEFAULT_TOPICS: Readonly<Record<TopicKind, string>> = {
  rating: 'ratings',
  favourite: 'favourites',
  feedback: 'feedback',
};

/** The default compacted catalogue topic (see movie-event.schema). */
export const DEFAULT_MOVIES_TOPIC = 'movies';

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** Headers set on every dead-lettered message, beside the original key, value and headers. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  /** Set when the original was too large to send whole: the value is a prefix of it. */
  truncated: 'dlq-truncated',
  /** With `truncated`: the original value's size in bytes. */
  originalBytes: 'dlq-original-bytes',
} as const;
