import { RequestValidationError, validateRequest } from '@app/http';
import { recommendationsRequestSchema } from './query-request.schemas';

const sut = (input: object) => validateRequest(recommendationsRequestSchema, input);

const errorsOf = (input: object) => {
  try {
    sut(input);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors;
    throw error;
  }
  throw new Error('the request was valid');
};

const ids = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

describe('recommendationsRequestSchema', () => {
  it('filters nothing and starts at the top when no filter is given', () => {
    expect(sut({ userId: '7' })).toEqual({
      userId: 7,
      limit: 10,
      rank: 'favourites',
      offset: 0,
      exclude: [],
      genres: [],
      excludeGenres: [],
    });
  });

  it('reads lists from one comma-separated query value, as an RPC caller sends arrays', () => {
    const overHttp = sut({
      userId: '7',
      offset: '20',
      exclude: '3,1,2',
      genres: " Sci-Fi,Children's",
      excludeGenres: 'film-noir',
    });
    const overRpc = sut({
      userId: 7,
      offset: 20,
      exclude: [3, 1, 2],
      genres: ['Sci-Fi', "Children's"],
      excludeGenres: ['film-noir'],
    });

    expect(overHttp).toMatchObject({
      offset: 20,
      exclude: [3, 1, 2],
      genres: ['Sci-Fi', "Children's"],
      excludeGenres: ['film-noir'],
    });
    expect(overRpc).toEqual(overHttp);
    expect(sut({ userId: '7', exclude: '' }).exclude).toEqual([]);
  });

  it('takes 1,000 excluded ids, and names `exclude` when given more', () => {
    expect(sut({ userId: '1', exclude: ids(1_000).join(',') }).exclude).toHaveLength(1_000);

    for (const exclude of [ids(1_001).join(','), ids(1_001)]) {
      expect(errorsOf({ userId: '1', exclude })).toEqual([
        { field: 'exclude', message: 'expected a comma-separated list of at most 1000 movie ids' },
      ]);
    }
  });

  it.each([
    [{ exclude: '1,x,3' }, 'exclude.1', 'expected an integer from 1 to 9007199254740991'],
    [{ exclude: '1,,3' }, 'exclude.1', 'expected an integer from 1 to 9007199254740991'],
    [{ exclude: [1, 0] }, 'exclude.1', 'expected an integer from 1 to 9007199254740991'],
    [{ exclude: 5 }, 'exclude', 'expected a comma-separated list of at most 1000 movie ids'],
    [{ genres: 'Drama,,Comedy' }, 'genres.1', 'expected a genre name'],
    [
      { excludeGenres: 'x'.repeat(51) },
      'excludeGenres.0',
      'expected a genre name of at most 50 characters',
    ],
    [
      { genres: ids(31).join(',') },
      'genres',
      'expected a comma-separated list of at most 30 genres',
    ],
    [{ offset: '-1' }, 'offset', 'expected an integer from 0 to 1000'],
    [{ offset: '1001' }, 'offset', 'expected an integer from 0 to 1000'],
  ])('refuses %j naming %s', (input, field, message) => {
    expect(errorsOf({ userId: '1', ...input })).toEqual([{ field, message }]);
  });
});
