import { type MovieEvent } from '@app/events';
import { type CatalogueRead } from '@app/store';
import { type CatalogueSource, MovieCatalogue } from './movie-catalogue';

/** A catalogue source whose entries and version the test sets, counting whole reads. */
class FakeSource implements CatalogueSource {
  reads = 0;
  current: CatalogueRead = { version: 0, movies: new Map(), invalid: [] };

  set(version: number, movies: readonly MovieEvent[]): void {
    this.current = { version, movies: new Map(movies.map((m) => [m.movieId, m])), invalid: [] };
  }

  version(): Promise<number> {
    return Promise.resolve(this.current.version);
  }

  read(): Promise<CatalogueRead> {
    this.reads++;
    return Promise.resolve(this.current);
  }
}

const toyStory: MovieEvent = {
  movieId: 1,
  title: 'Toy Story (1995)',
  genres: ['Animation'],
  year: 1995,
};

describe(MovieCatalogue.name, () => {
  it('describes a movie it does not know with no title and no genres', () => {
    const sut = new MovieCatalogue();

    expect(sut.describe(1)).toEqual({ title: null, genres: [] });
  });

  it('re-reads the source only when its version moved, and describes what it read', async () => {
    const source = new FakeSource();
    const sut = new MovieCatalogue();

    const empty = await sut.refresh(source);
    source.set(3, [toyStory]);
    const first = await sut.refresh(source);
    const unchanged = await sut.refresh(source);
    source.set(4, [{ ...toyStory, title: 'Toy Story' }]);
    const renamed = await sut.refresh(source);

    expect([empty, first, unchanged, renamed]).toEqual([
      { read: true, version: 0, movies: 0, invalid: [] },
      { read: true, version: 3, movies: 1, invalid: [] },
      { read: false, version: 3 },
      { read: true, version: 4, movies: 1, invalid: [] },
    ]);
    expect(source.reads).toBe(3);
    expect(sut.describe(1)).toEqual({ title: 'Toy Story', genres: ['Animation'] });
  });

  it('keeps what it had when the source fails', async () => {
    const source = new FakeSource();
    source.set(1, [toyStory]);
    const sut = new MovieCatalogue();
    await sut.refresh(source);
    source.set(2, []);
    source.read = () => Promise.reject(new Error('Redis is down'));

    await expect(sut.refresh(source)).rejects.toThrow('Redis is down');
    expect(sut.describe(1).title).toBe('Toy Story (1995)');
  });
});
