import { type MovieEvent, movieEventSchema } from '@app/events';
import { LuaScript } from './lua-script';
import { internalsOf, type RedisConnection } from './redis-connection';

/** What the catalogue topic says of one movie: its entry now, or null once it is removed. */
export interface MovieChange {
  movieId: number;
  movie: MovieEvent | null;
}

/** The whole catalogue at one version. */
export interface CatalogueRead {
  version: number;
  movies: Map<number, MovieEvent>;
  /** Ids of stored entries that are not valid movie events, left out of `movies`. */
  invalid: number[];
}

/**
 * Applies catalogue changes in order: an entry replaces the movie's, a removal deletes it. The
 * version is raised once per call that changed anything, so a replayed batch (which finds every
 * entry as it would write it) leaves the version, and readers, alone.
 *
 * KEYS: the movies hash, the version counter. ARGV: movieId, entry JSON ('' removes), ...
 * Returns the version after the call.
 */
const applyCatalogueScript = new LuaScript(
  'apply-catalogue',
  `
local changed = 0
for i = 1, #ARGV, 2 do
  local movieId, entry = ARGV[i], ARGV[i + 1]
  if entry == '' then
    changed = changed + redis.call('HDEL', KEYS[1], movieId)
  elseif redis.call('HGET', KEYS[1], movieId) ~= entry then
    redis.call('HSET', KEYS[1], movieId, entry)
    changed = changed + 1
  end
end
if changed > 0 then return redis.call('INCR', KEYS[2]) end
return tonumber(redis.call('GET', KEYS[2]) or '0')
`,
);

/** The version and every entry, read at once so that they agree. KEYS: as above. */
const readCatalogueScript = new LuaScript(
  'read-catalogue',
  `return { redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[1]) }`,
);

/** Movies per script call: bounds how long one call holds Redis. */
const CHANGES_PER_CALL = 1_000;

/**
 * The movie catalogue (titles, genres, years by movie id) that ingestion keeps from the movies
 * topic, with a version that changes whenever the catalogue does, so readers can ask for the
 * version often and re-read the catalogue only when it moved.
 */
export class MovieCatalogueStore {
  constructor(private readonly connection: RedisConnection) {}

  /**
   * Applies changes in the order given: the last one of a movie wins, and only it is written, so
   * a batch replayed whole leaves the version as it was even when it holds a movie's older entries
   * too. (A replay cut into other batches may move the version without changing an entry: readers
   * then re-read the catalogue once.) Returns the version.
   */
  async apply(changes: readonly MovieChange[]): Promise<number> {
    const { client, keys } = internalsOf(this.connection);
    const last = [...new Map(changes.map((change) => [change.movieId, change])).values()];
    let version = await this.version();
    for (let i = 0; i < last.length; i += CHANGES_PER_CALL) {
      const args = last
        .slice(i, i + CHANGES_PER_CALL)
        .flatMap(({ movieId, movie }) => [
          String(movieId),
          movie === null ? '' : JSON.stringify(movie),
        ]);
      version = Number(
        await applyCatalogueScript.run(
          client,
          [keys.catalogueMovies(), keys.catalogueVersion()],
          args,
        ),
      );
    }
    return version;
  }

  /** The catalogue's version: 0 before any change. */
  async version(): Promise<number> {
    const { client, keys } = internalsOf(this.connection);
    return Number((await client.get(keys.catalogueVersion())) ?? 0);
  }

  /** Every movie, parsed as a movie event (an entry is an edge like any other). */
  async read(): Promise<CatalogueRead> {
    const { client, keys } = internalsOf(this.connection);
    const [version, fields] = (await readCatalogueScript.run(
      client,
      [keys.catalogueMovies(), keys.catalogueVersion()],
      [],
    )) as [string, string[]];
    const movies = new Map<number, MovieEvent>();
    const invalid: number[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const movieId = Number(fields[i]);
      const movie = parseEntry(fields[i + 1] ?? '');
      if (movie?.movieId === movieId) movies.set(movieId, movie);
      else invalid.push(movieId);
    }
    return { version: Number(version), movies, invalid };
  }
}

function parseEntry(entry: string): MovieEvent | undefined {
  try {
    const parsed = movieEventSchema.safeParse(JSON.parse(entry));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Not JSON: reported with the other invalid entries.
    return undefined;
  }
}
