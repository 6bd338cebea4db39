import { type EventPublisher } from '@app/kafka';
import { type Movie } from '@app/movielens';

/**
 * Publishes movies, as read (and checked) from a MovieLens movies file, as movie events keyed by
 * their id, in file order: on the compacted movies topic the last event of a movie is its entry.
 */
export async function publishMovies(
  publisher: EventPublisher,
  movies: readonly Movie[],
): Promise<{ published: number }> {
  for (const { movieId, title, genres, year } of movies) {
    await publisher.publish(movieId, { movieId, title, genres, year });
  }
  await publisher.flush();
  return { published: movies.length };
}
