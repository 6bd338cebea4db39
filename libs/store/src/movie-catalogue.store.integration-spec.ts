import { type MovieEvent } from '@app/events';
import { isolatedEnvironment, rawRedis } from '@app/testing';
import { MovieCatalogueStore } from './movie-catalogue.store';
import { RedisConnection } from './redis-connection';

const aMovie = (movieId: number, overrides: Partial<MovieEvent> = {}): MovieEvent => ({
  movieId,
  title: `Movie ${movieId} (1995)`,
  genres: ['Drama'],
  year: 1995,
  ...overrides,
});

describe(MovieCatalogueStore.name, () => {
  const env = isolatedEnvironment();
  const connection = new RedisConnection(env.redis);
  const sut = new MovieCatalogueStore(connection);

  afterAll(() => connection.close());

  it('keeps the last entry of each movie in the order given, drops removed ones, and moves its version once per change', async () => {
    expect(await sut.version()).toBe(0);
    expect(await sut.read()).toEqual({ version: 0, movies: new Map(), invalid: [] });

    const first = await sut.apply([
      { movieId: 1, movie: aMovie(1) },
      { movieId: 2, movie: aMovie(2) },
      { movieId: 1, movie: aMovie(1, { title: 'Renamed (1995)' }) },
      { movieId: 3, movie: aMovie(3, { genres: [], year: null }) },
    ]);
    const second = await sut.apply([
      { movieId: 2, movie: null },
      { movieId: 9, movie: null },
    ]);

    expect([first, second]).toEqual([1, 2]);
    expect(await sut.read()).toEqual({
      version: 2,
      movies: new Map([
        [1, aMovie(1, { title: 'Renamed (1995)' })],
        [3, aMovie(3, { genres: [], year: null })],
      ]),
      invalid: [],
    });
  });

  it('leaves the version alone when a replay finds every entry as it would write it', async () => {
    const before = await sut.version();

    await sut.apply([
      { movieId: 1, movie: aMovie(1, { title: 'Renamed (1995)' }) },
      { movieId: 2, movie: null },
      { movieId: 3, movie: aMovie(3, { genres: [], year: null }) },
    ]);
    await sut.apply([]);

    expect(await sut.version()).toBe(before);
  });

  it('applies more movies than one script call takes, in order', async () => {
    const movies = Array.from({ length: 2_500 }, (_, i) => aMovie(1_000 + i));

    const version = await sut.apply([
      ...movies.map((movie) => ({ movieId: movie.movieId, movie })),
      { movieId: 1_000, movie: null },
    ]);

    const read = await sut.read();
    expect(read.version).toBe(version);
    expect(read.movies.size).toBe(2 + 2_499);
    expect(read.movies.has(1_000)).toBe(false);
    expect(read.movies.get(3_499)).toEqual(aMovie(3_499));
  });

  it('leaves out, and names, a stored entry that is not a movie event', async () => {
    const redis = rawRedis(env.redis);
    try {
      await redis.hset(`${env.redis.keyPrefix}:{catalogue}:movies`, '7', '{"movieId":7}', '8', 'x');
    } finally {
      redis.disconnect();
    }

    const { movies, invalid } = await sut.read();

    expect(invalid.sort()).toEqual([7, 8]);
    expect(movies.has(7)).toBe(false);
    expect(movies.get(1)?.title).toBe('Renamed (1995)');
  });
});
