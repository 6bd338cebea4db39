import { type AppliedFilters } from '@app/query-client';

/** What a request asks to leave out of its list; a field left out filters nothing. */
export interface RecommendationFilters {
  /** Movie ids never to recommend. */
  exclude?: readonly number[];
  /** Only movies of any of these genres. */
  genres?: readonly string[];
  /** No movie of any of these genres. */
  excludeGenres?: readonly string[];
}

/**
 * A request's filters, ready to test movies against: ids left out, and genres by the
 * catalogue's names in any case. A movie the catalogue knows no genre of cannot be of a genre
 * asked for, so `genres` leaves it out and `excludeGenres` alone keeps it.
 */
export class MovieFilter {
  readonly excluded: ReadonlySet<number>;
  /** Whether any rule is about genres; a movie's genres are looked up only then. */
  readonly byGenre: boolean;
  private readonly wanted: ReadonlySet<string>;
  private readonly unwanted: ReadonlySet<string>;

  constructor(
    private readonly filters: RecommendationFilters,
    private readonly genresOf: (movieId: number) => readonly string[],
  ) {
    this.excluded = new Set(filters.exclude);
    this.wanted = new Set(filters.genres?.map(normalised));
    this.unwanted = new Set(filters.excludeGenres?.map(normalised));
    this.byGenre = this.wanted.size > 0 || this.unwanted.size > 0;
  }

  admits(movieId: number): boolean {
    if (this.excluded.has(movieId)) return false;
    if (!this.byGenre) return true;
    const genres = this.genresOf(movieId).map(normalised);
    if (genres.some((genre) => this.unwanted.has(genre))) return false;
    return this.wanted.size === 0 || genres.some((genre) => this.wanted.has(genre));
  }

  /** The filters as the answer echoes them. */
  applied(): Omit<AppliedFilters, 'offset'> {
    return {
      exclude: this.excluded.size,
      genres: [...(this.filters.genres ?? [])],
      excludeGenres: [...(this.filters.excludeGenres ?? [])],
    };
  }
}

const normalised = (genre: string): string => genre.trim().toLowerCase();
