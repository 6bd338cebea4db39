import { type CsrMatrix, emptyPattern, favouritesPattern } from '@app/clustering';
import { DEFAULT_FAVOURITE_MIN_RATING } from '@app/events';
import { clusterTotals } from '@app/recommend';
import { ClusterAggregatesStore } from './cluster-aggregates.store';
import { internalsOf, type RedisConnection } from './redis-connection';
import { encodeRating } from './stored-values';

/** Pairs per HSET, and commands in flight: Redis busy, memory bounded. */
const PAIRS_PER_COMMAND = 1_000;
const COMMANDS_IN_FLIGHT = 64;

/** The store already holds users: a bulk load would mix with them. */
export class StoreNotEmptyError extends Error {
  readonly code = 'STORE_NOT_EMPTY';

  constructor(users: number) {
    super(`the store already holds ${users} users: bulk loading is for an empty key prefix`);
    this.name = 'StoreNotEmptyError';
  }
}

/**
 * The bulk path into an empty store, for imports and benchmarks: every user's ratings with
 * pipelined HSETs (many fields a command), the user index, and the all-users aggregate, without
 * Kafka and without the per-event scripts. Cluster aggregates are not written: the next
 * recluster builds them. Ratings are written as ingestion stores them, so ingestion carries on
 * from there with every guarantee.
 */
export class RatingsBulkLoader {
  constructor(private readonly connection: RedisConnection) {}

  /**
   * Loads a user x movie matrix of ratings (0.5-5): row r is user userIds[r], column c movie
   * movieIds[c]; every rating gets `timestamp`. Throws StoreNotEmptyError unless the store is
   * empty. Calls `onProgress` with the users written so far.
   */
  async load(
    ratings: CsrMatrix,
    userIds: ArrayLike<number>,
    movieIds: ArrayLike<number>,
    {
      timestamp = 0,
      onProgress,
    }: { timestamp?: number; onProgress?: (users: number) => void } = {},
  ): Promise<void> {
    const { client, keys } = internalsOf(this.connection);
    const existing = await client.scard(keys.users());
    if (existing > 0) throw new StoreNotEmptyError(existing);
    // Rows are turned into commands as the workers ask for them: the fields of 100M ratings never
    // sit in memory at once.
    let next = 0;
    let written = 0;
    const worker = async (): Promise<void> => {
      while (next < ratings.rows) {
        const row = next++;
        const userId = userIds[row] ?? 0;
        const key = keys.userRatings(userId);
        const end = ratings.rowPtr[row + 1] ?? 0;
        for (let start = ratings.rowPtr[row] ?? 0; start < end; start += PAIRS_PER_COMMAND) {
          const fields: string[] = [];
          for (let p = start; p < Math.min(end, start + PAIRS_PER_COMMAND); p++) {
            fields.push(
              String(movieIds[ratings.colIndices[p] ?? 0]),
              String(encodeRating(ratings.values[p] ?? 0, timestamp)),
            );
          }
          await client.hset(key, ...fields);
        }
        await client.sadd(keys.users(), String(userId));
        if (++written % 10_000 === 0) onProgress?.(written);
      }
    };
    await Promise.all(Array.from({ length: COMMANDS_IN_FLIGHT }, worker));
    onProgress?.(ratings.rows);
    // Every user's contribution per movie, as ingestion keeps it whatever the model.
    const favourites = favouritesPattern(
      ratings,
      emptyPattern(ratings.rows, ratings.cols),
      DEFAULT_FAVOURITE_MIN_RATING,
    );
    await new ClusterAggregatesStore(this.connection).write(
      0,
      clusterTotals(ratings, favourites, new Int32Array(ratings.rows), 1),
      movieIds,
    );
  }
}
