import { internalsOf, type RedisConnection } from './redis-connection';
import { decodeRating } from './stored-values';

/** All stored ratings (0.5-5) and explicit favourites, as parallel typed columns. */
export interface RatingsSnapshot {
  userIds: Float64Array;
  movieIds: Float64Array;
  ratings: Float32Array;
  favouriteUserIds: Float64Array;
  favouriteMovieIds: Float64Array;
}

/** Reads every user's ratings and explicit favourites, for a recluster. */
export class RatingsSnapshotReader {
  constructor(private readonly connection: RedisConnection) {}

  async read(onProgress?: (users: number, total: number) => void): Promise<RatingsSnapshot> {
    const { client, keys } = internalsOf(this.connection);
    const userIds = (await client.smembers(keys.users())).map(Number).sort((a, b) => a - b);
    const ratingUsers = new GrowingColumn();
    const ratingMovies = new GrowingColumn();
    const values = new GrowingColumn();
    const favouriteUsers = new GrowingColumn();
    const favouriteMovies = new GrowingColumn();
    for (let i = 0; i < userIds.length; i += 2_000) {
      const chunk = userIds.slice(i, i + 2_000);
      const [rated, favoured] = await Promise.all([
        Promise.all(chunk.map((userId) => client.hgetall(keys.userRatings(userId)))),
        Promise.all(chunk.map((userId) => client.hgetall(keys.userExplicitFavourites(userId)))),
      ]);
      chunk.forEach((userId, j) => {
        for (const [movie, value] of Object.entries(rated[j] ?? {})) {
          ratingUsers.push(userId);
          ratingMovies.push(Number(movie));
          values.push(decodeRating(Number(value)).rating);
        }
        for (const [movie, value] of Object.entries(favoured[j] ?? {})) {
          if (Number(value) % 2 !== 1) continue;
          favouriteUsers.push(userId);
          favouriteMovies.push(Number(movie));
        }
      });
      onProgress?.(Math.min(i + chunk.length, userIds.length), userIds.length);
    }
    return {
      userIds: ratingUsers.values(),
      movieIds: ratingMovies.values(),
      ratings: Float32Array.from(values.values()),
      favouriteUserIds: favouriteUsers.values(),
      favouriteMovieIds: favouriteMovies.values(),
    };
  }
}

/** A Float64 column that grows as values are pushed. */
class GrowingColumn {
  private data = new Float64Array(1 << 12);
  private length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  values(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
