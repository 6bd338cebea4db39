import { MovieFilter } from './movie-filter';

const GENRES = new Map<number, string[]>([
  [1, ['Sci-Fi', 'Action']],
  [2, ["Children's", 'Comedy']],
  [3, ['Film-Noir']],
  [4, ['Drama']],
  // 5: a movie the catalogue knows no genre of.
]);
const MOVIES = [1, 2, 3, 4, 5];

const admitted = (filter: MovieFilter) => MOVIES.filter((movieId) => filter.admits(movieId));
const filterOf = (filters: ConstructorParameters<typeof MovieFilter>[0]) =>
  new MovieFilter(filters, (movieId) => GENRES.get(movieId) ?? []);

describe(MovieFilter.name, () => {
  it('admits every movie without filters, and never looks up a genre', () => {
    const lookedUp: number[] = [];
    const sut = new MovieFilter({}, (movieId) => {
      lookedUp.push(movieId);
      return [];
    });

    expect(admitted(sut)).toEqual(MOVIES);
    expect(sut.byGenre).toBe(false);
    expect(lookedUp).toEqual([]);
  });

  it('leaves out the excluded ids', () => {
    expect(admitted(filterOf({ exclude: [2, 5, 99] }))).toEqual([1, 3, 4]);
  });

  it('keeps movies of any genre asked for, in any case, and none of unknown genres', () => {
    expect(admitted(filterOf({ genres: ['sci-fi', "CHILDREN'S"] }))).toEqual([1, 2]);
    expect(admitted(filterOf({ genres: ['Western'] }))).toEqual([]);
  });

  it('leaves out movies of any excluded genre, keeping those of unknown genres', () => {
    expect(admitted(filterOf({ excludeGenres: ['film-noir', 'comedy'] }))).toEqual([1, 4, 5]);
  });

  it('applies every rule at once, an excluded genre winning over a wanted one', () => {
    const sut = filterOf({ exclude: [4], genres: ['Action', 'Drama'], excludeGenres: ['SCI-FI'] });

    expect(admitted(sut)).toEqual([]);
    expect(admitted(filterOf({ exclude: [1], genres: ['Action', 'Drama', 'Comedy'] }))).toEqual([
      2, 4,
    ]);
  });

  it('echoes the filters it applies, counting distinct excluded ids', () => {
    const sut = filterOf({ exclude: [3, 3, 8], genres: ['Sci-Fi'], excludeGenres: ['Drama'] });

    expect(sut.applied()).toEqual({ exclude: 2, genres: ['Sci-Fi'], excludeGenres: ['Drama'] });
  });
});
