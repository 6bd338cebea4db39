import { type Movie } from '@app/movielens';

/** Titles and genres by movie id, as read from a MovieLens movies file. */
export class MovieCatalogue {
  constructor(
    private readonly movies: ReadonlyMap<number, Pick<Movie, 'title' | 'genres'>> = new Map(),
  ) {}

  describe(movieId: number): { title: string | null; genres: string[] } {
    const movie = this.movies.get(movieId);
    return movie === undefined
      ? { title: null, genres: [] }
      : { title: movie.title, genres: movie.genres };
  }
}
