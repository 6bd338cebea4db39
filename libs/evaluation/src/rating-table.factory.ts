import { type RatingColumns } from '@app/clustering';

export interface RatingRow {
  userId: number;
  movieId: number;
  rating: number;
}

/** Ratings columns from rows, in the given order. */
export function aRatingTable(rows: readonly RatingRow[]): RatingColumns {
  return {
    userIds: Int32Array.from(rows, (row) => row.userId),
    movieIds: Int32Array.from(rows, (row) => row.movieId),
    ratings: Float32Array.from(rows, (row) => row.rating),
  };
}

/** The rows of a ratings table, to compare tables as plain data. */
export function rowsOf(table: RatingColumns): RatingRow[] {
  return Array.from(table.userIds, (userId, i) => ({
    userId,
    movieId: table.movieIds[i] ?? 0,
    rating: table.ratings[i] ?? 0,
  }));
}
