import { readRatings, type ReadRatingsOptions } from './ratings-reader';

/**
 * Ratings as parallel typed columns: compact enough for tens of millions of ratings. Ids and
 * timestamps are float64, exact for every value the event schema accepts.
 */
export interface RatingColumns {
  userIds: Float64Array;
  movieIds: Float64Array;
  ratings: Float32Array;
  timestamps: Float64Array;
}

/** Reads a whole MovieLens ratings file into columns, in file order. */
export async function readRatingColumns(
  path: string,
  options: ReadRatingsOptions = {},
): Promise<RatingColumns> {
  let capacity = 1 << 16;
  let columns = allocate(capacity);
  let n = 0;
  for await (const rating of readRatings(path, options)) {
    if (n === capacity) {
      capacity *= 2;
      const grown = allocate(capacity);
      grown.userIds.set(columns.userIds);
      grown.movieIds.set(columns.movieIds);
      grown.ratings.set(columns.ratings);
      grown.timestamps.set(columns.timestamps);
      columns = grown;
    }
    columns.userIds[n] = rating.userId;
    columns.movieIds[n] = rating.movieId;
    columns.ratings[n] = rating.rating;
    columns.timestamps[n] = rating.timestamp;
    n++;
  }
  return {
    userIds: columns.userIds.slice(0, n),
    movieIds: columns.movieIds.slice(0, n),
    ratings: columns.ratings.slice(0, n),
    timestamps: columns.timestamps.slice(0, n),
  };
}

const allocate = (size: number): RatingColumns => ({
  userIds: new Float64Array(size),
  movieIds: new Float64Array(size),
  ratings: new Float32Array(size),
  timestamps: new Float64Array(size),
});
