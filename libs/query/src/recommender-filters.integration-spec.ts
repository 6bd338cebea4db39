import { type IngestEvent } from '@app/events';
import { type Movie } from '@app/movielens';
import { Reclusterer } from '@app/recluster';
import { DEFAULT_SHRINKAGE } from '@app/recommend';
import {
  aFavourite,
  applyToActiveModels,
  aRating,
  aReclusterSettings,
  deleteKeysOf,
  generateEvents,
  isolatedEnvironment,
  openStores,
  publishModel,
  type TestStores,
} from '@app/testing';
import { MovieCatalogue } from './movie-catalogue';
import { type RecommendationFilters } from './movie-filter';
import { QuerySnapshotCache } from './query-snapshot.cache';
import { Recommender } from './recommender';

/** A catalogue of these genres by movie id; a movie left out is one it knows no genre of. */
const catalogueOf = (genres: Record<number, string[]>) =>
  new MovieCatalogue(
    new Map<number, Pick<Movie, 'title' | 'genres'>>(
      Object.entries(genres).map(([movieId, of]) => [
        Number(movieId),
        { title: `#${movieId}`, genres: of },
      ]),
    ),
  );

/** `fans` users from `firstUser` on, each favouring the movie. */
const favouredBy = (firstUser: number, movieId: number, fans: number): IngestEvent[] =>
  Array.from({ length: fans }, (_, u) => aFavourite({ userId: firstUser + u, movieId }));

const USER = 1;
const UNKNOWN_USER = 99;

// Cluster 0: users 10-19 favour movie m (1-8) 9 - m times; the user, also of cluster 0, rated
// movie 2 without favouring it. Cluster 1: users 20-39 favour movies 9-12 from 20 times down.
// So the user's list by favourites is 1, 3, 4, 5, 6, 7, 8 (2 seen), and the popular list
// 9, 10, 11, 12, 1, 2, ..., 8.
const events: IngestEvent[] = [
  ...[1, 2, 3, 4, 5, 6, 7, 8].flatMap((movieId) => favouredBy(10, movieId, 9 - movieId)),
  ...[9, 10, 11, 12].flatMap((movieId) => favouredBy(20, movieId, 29 - movieId)),
  aRating({ userId: USER, movieId: 2, rating: 3 }),
];
const assignments = new Map([
  [USER, 0],
  ...Array.from({ length: 10 }, (_, u) => [10 + u, 0] as const),
  ...Array.from({ length: 20 }, (_, u) => [20 + u, 1] as const),
]);
// Movie 8 is not in the catalogue.
const GENRES: Record<number, string[]> = {
  1: ['Sci-Fi', 'Action'],
  2: ['Drama'],
  3: ['Sci-Fi', 'Drama'],
  4: ['Comedy'],
  5: ["Children's", 'Comedy'],
  6: ['Film-Noir'],
  7: ['Sci-Fi'],
  9: ['Sci-Fi'],
  10: ['Drama'],
  11: ['Comedy'],
  12: ['Film-Noir', 'Sci-Fi'],
};

describe(`${Recommender.name} filters and pages`, () => {
  const env = isolatedEnvironment();
  let stores: TestStores;
  let sut: Recommender;

  beforeAll(async () => {
    stores = openStores(env.redis);
    await applyToActiveModels(stores, events);
    await publishModel(stores, { clusters: 2, assignments });
    const cache = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);
    await cache.refresh();
    sut = new Recommender(stores, cache, catalogueOf(GENRES));
  });

  afterAll(async () => {
    await deleteKeysOf(env.redis);
    await stores.close();
  });

  const ask = (filters: RecommendationFilters & { limit?: number; offset?: number } = {}) =>
    sut.recommendations({ userId: USER, limit: 10, rank: 'favourites', ...filters });
  const idsOf = (answer: { items: { movieId: number }[] }) =>
    answer.items.map((item) => item.movieId);

  it('without filters: the cluster list, then the popular one, and echoes no filter', async () => {
    const answer = await ask();

    expect(idsOf(answer)).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(answer).toMatchObject({
      basis: 'cluster',
      cluster: 0,
      variant: 'active',
      backfilled: 3,
      filters: { exclude: 0, genres: [], excludeGenres: [], offset: 0 },
    });
  });

  it('never answers an excluded movie, from the cluster list or the popular one', async () => {
    const answer = await ask({ exclude: [1, 4, 10, 4] });

    expect(idsOf(answer)).toEqual([3, 5, 6, 7, 8, 9, 11, 12]);
    expect(answer).toMatchObject({ backfilled: 3, filters: { exclude: 3 } });
  });

  it('keeps movies of any genre asked for, in any case, backfilled under the same filter', async () => {
    const answer = await ask({ genres: ['sci-fi'], limit: 5 });

    // Cluster 0's Sci-Fi movies are 1, 3 and 7; the popular list adds 9 and 12.
    expect(idsOf(answer)).toEqual([1, 3, 7, 9, 12]);
    expect(answer.items.map((item) => item.source)).toEqual([
      'cluster',
      'cluster',
      'cluster',
      'popular',
      'popular',
    ]);
    expect(answer).toMatchObject({ backfilled: 2, filters: { genres: ['sci-fi'] } });
  });

  it('leaves a movie the catalogue knows no genre of out of `genres`, not `excludeGenres`', async () => {
    const drama = await ask({ genres: ['DRAMA'] });
    const noComedyNorNoir = await ask({ excludeGenres: ['comedy', 'Film-Noir'] });

    // Movie 2 is Drama but seen; movie 8 has no genre the catalogue knows.
    expect(idsOf(drama)).toEqual([3, 10]);
    expect(drama.backfilled).toBe(1);
    expect(idsOf(noComedyNorNoir)).toEqual([1, 3, 7, 8, 9, 10]);
    expect(noComedyNorNoir.backfilled).toBe(2);
  });

  it('leaves out an excluded genre even from a movie of a genre asked for', async () => {
    const answer = await ask({ genres: ["children's", 'film-noir'], excludeGenres: ['Sci-Fi'] });

    // Movie 12 is Film-Noir but also Sci-Fi.
    expect(idsOf(answer)).toEqual([5, 6]);
    expect(answer).toMatchObject({
      backfilled: 0,
      filters: { genres: ["children's", 'film-noir'], excludeGenres: ['Sci-Fi'] },
    });
  });

  it('filters the popular list of a user it does not know', async () => {
    const answer = await sut.recommendations({
      userId: UNKNOWN_USER,
      limit: 10,
      rank: 'favourites',
      genres: ['Comedy'],
    });

    expect(answer).toMatchObject({ basis: 'popularity', backfilled: 0 });
    expect(idsOf(answer)).toEqual([11, 4, 5]);
  });

  it('never answers a movie the user disliked or watched, filtered or not', async () => {
    const viewer = 50;
    await applyToActiveModels(stores, [
      { kind: 'disliked', userId: viewer, movieId: 9, timestamp: 2_000 },
      { kind: 'watched', userId: viewer, movieId: 1, timestamp: 2_000 },
    ]);
    const answer = (filters: RecommendationFilters) =>
      sut.recommendations({ userId: viewer, limit: 5, rank: 'favourites', ...filters });

    // The popular list 9, 10, 11, 12, 1, 2, 3, ... without 9 and 1.
    expect(idsOf(await answer({}))).toEqual([10, 11, 12, 2, 3]);
    expect(idsOf(await answer({ genres: ['Sci-Fi'] }))).toEqual([12, 3, 7]);
  });

  it('pages: consecutive pages join into the list one larger request gets', async () => {
    const pages = await Promise.all([0, 3, 6].map((offset) => ask({ limit: 3, offset })));
    const whole = await ask({ limit: 9 });

    expect(pages.map(idsOf)).toEqual([
      [1, 3, 4],
      [5, 6, 7],
      [8, 9, 10],
    ]);
    expect(pages.flatMap(idsOf)).toEqual(idsOf(whole));
    // The backfill counted is the page's own.
    expect(pages.map((page) => page.backfilled)).toEqual([0, 0, 2]);
    expect(pages.map((page) => page.filters.offset)).toEqual([0, 3, 6]);
  });

  it('pages under filters, and answers no item past the end of the list', async () => {
    const filters = { excludeGenres: ['comedy'], exclude: [3] };
    const pages = await Promise.all(
      [0, 2, 4, 6].map((offset) => ask({ ...filters, limit: 2, offset })),
    );
    const whole = await ask({ ...filters, limit: 10 });

    expect(idsOf(whole)).toEqual([1, 6, 7, 8, 9, 10, 12]);
    expect(pages.flatMap(idsOf)).toEqual(idsOf(whole));
    expect(idsOf(await ask({ ...filters, offset: 7 }))).toEqual([]);
  });
});

describe(`${Recommender.name} filters with item neighbourhoods and ALS factors`, () => {
  const env = isolatedEnvironment();
  // Two tastes: users 10-19 love movies 1-3, users 20-29 love 4-6; everyone rates 7-8 low.
  const taste = (users: number, movies: readonly number[]) =>
    Array.from({ length: 10 }, (_, u) =>
      [...movies, 7, 8].map((movieId) =>
        aRating({ userId: users + u, movieId, rating: movieId > 6 ? 2 : 5 }),
      ),
    ).flat();
  const tastes = [
    ...taste(10, [1, 2, 3]),
    ...taste(20, [4, 5, 6]),
    aRating({ userId: USER, movieId: 1, rating: 5 }),
  ];
  const genres = {
    1: ['Sci-Fi'],
    2: ['Drama'],
    3: ['Comedy'],
    4: ['Drama'],
    5: ['Comedy'],
    6: ['Sci-Fi'],
    7: ['Comedy'],
    8: ['Drama'],
  };
  let stores: TestStores;
  let cache: QuerySnapshotCache;
  let sut: Recommender;

  beforeAll(async () => {
    stores = openStores(env.redis);
    await applyToActiveModels(stores, tastes);
    cache = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);
    sut = new Recommender(stores, cache, catalogueOf(genres));
  });

  afterAll(async () => {
    await deleteKeysOf(env.redis);
    await stores.close();
  });

  it('rank=similar: the movies like the favourites that pass the filters come first', async () => {
    const itemKnn = { neighbours: 3 };
    const outcome = await new Reclusterer(stores, aReclusterSettings({ k: 2, itemKnn })).run();
    if (outcome.status !== 'published') throw new Error('no model');
    await cache.refresh();
    const similar = (filters: RecommendationFilters) =>
      sut.recommendations({ userId: USER, limit: 4, rank: 'similar', ...filters });

    // Unfiltered, movie 1's fans lead to 2 then 3 (see the recommender's own spec).
    const plain = await similar({});
    const excluded = await similar({ exclude: [2] });
    const comedy = await similar({ genres: ['comedy'] });
    const noComedy = await similar({ excludeGenres: ['Comedy'] });

    const firsts = (answer: typeof plain) =>
      answer.items.filter((item) => item.source === 'similar').map((item) => item.movieId);
    expect(firsts(plain)).toEqual([2, 3]);
    expect(firsts(excluded)).toEqual([3]);
    expect(firsts(comedy)).toEqual([3]);
    expect(firsts(noComedy)).toEqual([2]);
    expect(excluded.items.map((item) => item.movieId)).not.toContain(2);
    for (const item of comedy.items) expect(item.genres).toEqual(['Comedy']);
    for (const item of noComedy.items) expect(item.genres).not.toContain('Comedy');
    expect(comedy.rank).toBe('similar');
  });

  it('rank=predicted: the filtered answer is the unfiltered list without what the filters leave out', async () => {
    const als = { factors: 2, iterations: 6, regularization: 0.05, seed: 3 };
    const settings = aReclusterSettings({ k: 2, als, itemKnn: { neighbours: 3 } });
    const outcome = await new Reclusterer(stores, settings).run();
    if (outcome.status !== 'published') throw new Error('no model');
    await cache.refresh();
    const predicted = (filters: RecommendationFilters) =>
      sut.recommendations({ userId: USER, limit: 10, rank: 'predicted', ...filters });

    const plain = await predicted({});
    expect(plain.rank).toBe('predicted');
    const [first] = plain.items;
    if (first === undefined) throw new Error('no recommendation');
    const filtered = await predicted({ exclude: [first.movieId], excludeGenres: ['drama'] });

    expect(filtered.rank).toBe('predicted');
    expect(filtered.items.map((item) => item.movieId)).toEqual(
      plain.items
        .filter((item) => item.movieId !== first.movieId && !item.genres.includes('Drama'))
        .map((item) => item.movieId),
    );
    expect(filtered.items.length).toBeGreaterThan(0);
  });
});

/** Generated traffic: the user's answer never holds a seen, excluded or filtered-out movie. */
describe(`${Recommender.name} filters over generated traffic`, () => {
  const env = isolatedEnvironment();
  const traffic = generateEvents(1_500, { seed: 9, users: 40, movies: 30 });
  const genres = Object.fromEntries(
    Array.from({ length: 30 }, (_, i) => [i + 1, [['Drama', 'Comedy', 'Sci-Fi'][i % 3] ?? '']]),
  );
  let stores: TestStores;
  let sut: Recommender;

  beforeAll(async () => {
    stores = openStores(env.redis);
    await applyToActiveModels(stores, traffic);
    await new Reclusterer(stores, aReclusterSettings({ seed: 3 })).run();
    const cache = new QuerySnapshotCache(stores, DEFAULT_SHRINKAGE);
    await cache.refresh();
    sut = new Recommender(stores, cache, catalogueOf(genres));
  });

  afterAll(async () => {
    await deleteKeysOf(env.redis);
    await stores.close();
  });

  it.each(['favourites', 'rating'] as const)('rank=%s', async (rank) => {
    for (let userId = 1; userId <= 40; userId += 7) {
      const { ratings, explicitFavourites } = await stores.users.readUser(userId);
      const exclude = [1, 2, 3, 4, 5];
      const answer = await sut.recommendations({
        userId,
        limit: 20,
        rank,
        exclude,
        excludeGenres: ['sci-fi'],
      });

      for (const { movieId, genres: of } of answer.items) {
        expect(ratings.has(movieId) || explicitFavourites.has(movieId)).toBe(false);
        expect(exclude).not.toContain(movieId);
        expect(of).not.toContain('Sci-Fi');
      }
      // Every movie left: the 30 but the seen, the excluded and the Sci-Fi ones (every third).
      const left = Array.from({ length: 30 }, (_, i) => i + 1).filter(
        (m) => !ratings.has(m) && !explicitFavourites.has(m) && !exclude.includes(m) && m % 3 !== 0,
      );
      expect(left.length).toBeLessThan(20);
      expect(answer.items.map((item) => item.movieId).sort((a, b) => a - b)).toEqual(left);
    }
  });
});
