export interface MovieInfo {
  title: string;
  genres: string[];
}

/** Titles and genres by movie id, as read from a MovieLens movies file. */
export class MovieCatalogue {
  constructor(private readonly movies: ReadonlyMap<number, MovieInfo> = new Map()) {}

  get size(): number {
    return this.movies.size;
  }

  describe(movieId: number): { title: string | null; genres: string[] } {
    const movie = this.movies.get(movieId);
    return movie === undefined
      ? { title: null, genres: [] }
      : { title: movie.title, genres: movie.genres };
  }
}
