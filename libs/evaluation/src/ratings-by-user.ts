import { type RatingColumns } from '@app/clustering';

/** userId -> (movieId -> rating), users in ascending id order so outcomes come out alike. */
export function ratingsByUser(ratings: RatingColumns): Map<number, Map<number, number>> {
  const users = new Map<number, Map<number, number>>();
  for (let i = 0; i < ratings.userIds.length; i++) {
    const userId = ratings.userIds[i] ?? 0;
    let movies = users.get(userId);
    if (movies === undefined) users.set(userId, (movies = new Map<number, number>()));
    movies.set(ratings.movieIds[i] ?? 0, ratings.ratings[i] ?? 0);
  }
  return new Map([...users].sort(([a], [b]) => a - b));
}
