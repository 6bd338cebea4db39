import { type KafkaMessage } from 'kafkajs';
import { movieEventSchema } from '@app/events';
import {
  type BatchHandler,
  type DeadLetter,
  type DeadLetterPublisher,
  type MessageBatch,
} from '@app/kafka';
import { type MovieCatalogueStore, type MovieChange, type RedisConnection } from '@app/store';

export type MovieMessageResult = { ok: true; change: MovieChange } | { ok: false; reason: string };

/**
 * What one message of the compacted movies topic says: the movie's entry now, or its removal (a
 * message with a key and no value, a tombstone). The key must be the movie id: compaction keeps
 * the last message per key, so an entry under another key would outlive its movie's removal.
 */
export function decodeMovieMessage({
  key,
  value,
}: Pick<KafkaMessage, 'key' | 'value'>): MovieMessageResult {
  const keyText = key?.toString('utf8') ?? '';
  const movieId = /^[1-9]\d*$/.test(keyText) ? Number(keyText) : Number.NaN;
  if (!Number.isSafeInteger(movieId)) {
    return { ok: false, reason: `key: expected the movie id, got "${keyText.slice(0, 100)}"` };
  }
  if (value === null) return { ok: true, change: { movieId, movie: null } };
  if (value.length === 0) {
    // Compaction keeps an empty value as an entry: only a missing value is a tombstone.
    return { ok: false, reason: 'empty message value (a removal is a message with no value)' };
  }
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` };
  }
  const parsed = movieEventSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'event'}: ${issue.message}`,
    );
    return { ok: false, reason: `invalid movie event: ${issues.join('; ')}` };
  }
  if (parsed.data.movieId !== movieId) {
    return {
      ok: false,
      reason: `key ${movieId} is not the event's movieId ${parsed.data.movieId}`,
    };
  }
  return { ok: true, change: { movieId, movie: parsed.data } };
}

/**
 * Writes one batch of the movies topic to the catalogue in Redis, in offset order (the last
 * message of a movie wins, as compaction keeps it), and dead-letters what is invalid. Replaying
 * a batch writes the same entries again, which changes nothing.
 */
export class CatalogueBatchHandler implements BatchHandler {
  constructor(
    private readonly catalogue: Pick<MovieCatalogueStore, 'apply'>,
    private readonly connection: Pick<RedisConnection, 'replicated'>,
    private readonly deadLetters: Pick<DeadLetterPublisher, 'publish'>,
  ) {}

  async handle({ topic, partition, messages }: MessageBatch): Promise<void> {
    const changes: MovieChange[] = [];
    const rejected: DeadLetter[] = [];
    for (const message of messages) {
      const result = decodeMovieMessage(message);
      if (result.ok) changes.push(result.change);
      else rejected.push({ topic, partition, message, reason: result.reason });
    }
    await this.catalogue.apply(changes);
    await this.connection.replicated();
    // Last before the offsets are committed, so a batch retried because Redis failed above sends
    // no letter twice.
    await this.deadLetters.publish(rejected);
  }
}
