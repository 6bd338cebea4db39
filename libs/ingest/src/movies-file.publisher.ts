import { type EventPublisher } from '@app/kafka';
import { readMovies } from '@app/movielens';

/**
 * Publishes every movie of a MovieLens movies file (movies.csv, u.item or movies.dat) as a movie
 * event keyed by its id, in file order. The whole file is read and checked first: a bad line
 * stops it, named, before anything is published.
 */
export async function publishMoviesFile(
  publisher: EventPublisher,
  path: string,
  { limit = Infinity }: { limit?: number } = {},
): Promise<{ published: number }> {
  const movies = (await readMovies(path)).slice(0, limit);
  for (const { movieId, title, genres, year } of movies) {
    await publisher.publish(movieId, { movieId, title, genres, year });
  }
  await publisher.flush();
  return { published: movies.length };
}
