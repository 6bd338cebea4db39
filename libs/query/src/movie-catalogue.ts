import { type MovieEvent } from '@app/events';
import { type CatalogueRead } from '@app/store';

/** What the catalogue knows of a movie. */
export type CatalogueEntry = Pick<MovieEvent, 'title' | 'genres'> &
  Partial<Pick<MovieEvent, 'year'>>;

/** Where the catalogue is read from: the catalogue in Redis, which ingestion keeps. */
export interface CatalogueSource {
  /** Moves whenever the catalogue changes. */
  version(): Promise<number>;
  read(): Promise<CatalogueRead>;
}

/** What a refresh did: re-read the catalogue (its version moved) or found it unchanged. */
export type CatalogueRefresh =
  | { read: true; version: number; movies: number; invalid: number[] }
  | { read: false; version: number };

/**
 * Titles and genres by movie id, as the catalogue in Redis holds them at its last refresh. A
 * movie it does not know (yet) has no title and no genres: answers still carry its id.
 */
export class MovieCatalogue {
  private version: number | undefined;

  constructor(private movies: ReadonlyMap<number, CatalogueEntry> = new Map()) {}

  describe(movieId: number): { title: string | null; genres: string[] } {
    const movie = this.movies.get(movieId);
    return movie === undefined
      ? { title: null, genres: [] }
      : { title: movie.title, genres: movie.genres };
  }

  /**
   * Re-reads the catalogue when its version moved since the last read; asking for the version
   * alone is one small command, so this can run every few seconds. Throws what the source throws,
   * keeping the catalogue it had.
   */
  async refresh(source: CatalogueSource): Promise<CatalogueRefresh> {
    const version = await source.version();
    if (version === this.version) return { read: false, version };
    const read = await source.read();
    this.movies = read.movies;
    this.version = read.version;
    return { read: true, version: read.version, movies: read.movies.size, invalid: read.invalid };
  }
}
