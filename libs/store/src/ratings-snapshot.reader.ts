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
    const ratings = new Columns(3);
    const favourites = new Columns(2);
    for (let i = 0; i < userIds.length; i += 2_000) {
      const chunk = userIds.slice(i, i + 2_000);
      const [rated, favoured] = await Promise.all([
        Promise.all(chunk.map((userId) => client.hgetall(keys.userRatings(userId)))),
        Promise.all(chunk.map((userId) => client.hgetall(keys.userExplicitFavourites(userId)))),
      ]);
      chunk.forEach((userId, j) => {
        for (const [movie, value] of Object.entries(rated[j] ?? {})) {
          ratings.push(userId, Number(movie), decodeRating(Number(value)).rating);
        }
        for (const [movie, value] of Object.entries(favoured[j] ?? {})) {
          if (Number(value) % 2 === 1) favourites.push(userId, Number(movie));
        }
      });
      onProgress?.(Math.min(i + chunk.length, userIds.length), userIds.length);
    }
    const [ratingUsers, ratingMovies, values] = ratings.columns();
    const [favouriteUsers, favouriteMovies] = favourites.columns();
    return {
      userIds: ratingUsers!,
      movieIds: ratingMovies!,
      ratings: Float32Array.from(values!),
      favouriteUserIds: favouriteUsers!,
      favouriteMovieIds: favouriteMovies!,
    };
  }
}

/** Parallel growable Float64 columns. */
class Columns {
  private data: Float64Array[];
  private length = 0;

  constructor(width: number) {
    this.data = Array.from({ length: width }, () => new Float64Array(1 << 12));
  }

  push(...values: number[]): void {
    if (this.length === this.data[0]!.length) {
      this.data = this.data.map((column) => {
        const grown = new Float64Array(column.length * 2);
        grown.set(column);
        return grown;
      });
    }
    values.forEach((value, c) => {
      this.data[c]![this.length] = value;
    });
    this.length++;
  }

  columns(): Float64Array[] {
    return this.data.map((column) => column.slice(0, this.length));
  }
}
