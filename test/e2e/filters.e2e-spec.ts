import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { freePort, ServiceProcess } from '@app/cli';
import { type IngestEvent } from '@app/events';
import {
  clustersResponseSchema,
  QueryClient,
  QueryClientModule,
  recommendationsResponseSchema,
  type RecommendationsResponse,
} from '@app/query-client';
import { Reclusterer } from '@app/recluster';
import { MovieCatalogueStore } from '@app/store';
import {
  applyToActiveModels,
  aRating,
  aReclusterSettings,
  deleteKeysOf,
  generateEvents,
  isolatedEnvironment,
  openStores,
  serviceEnvironment,
  type TestStores,
  waitFor,
} from '@app/testing';

const USERS = 60;
const MOVIES = 60;
/** Movies only user 1 rated: a cluster without user 1 knows none of them. */
const RARE_MOVIES = [61, 62, 63, 64, 65];
/** Movies the catalogue does not list: no genre is known of them. */
const UNLISTED = new Set([50, 51, 52]);
const ROTATION = ['Comedy', 'Sci-Fi', "Children's", 'Film-Noir'];

const genresOf = (movieId: number): string[] => [
  ROTATION[movieId % ROTATION.length] ?? 'Comedy',
  ...(movieId % 3 === 0 ? ['Drama'] : []),
];

const errorSchema = z.object({
  message: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** An answer whose body must match the documented schema (errors: `{ message, errors? }`). */
async function getAs<S extends z.ZodType>(schema: S, url: string) {
  const response = await fetch(url);
  const body: unknown = await response.json();
  return {
    status: response.status,
    body: (response.status < 400 ? schema : errorSchema).parse(body) as z.output<S>,
  };
}

const idsOf = (answer: RecommendationsResponse) => answer.items.map((item) => item.movieId);
const lower = (genres: readonly string[]) => genres.map((genre) => genre.toLowerCase());

describe('recommendation filters over the running query service', () => {
  const env = isolatedEnvironment();
  const events: IngestEvent[] = [
    ...generateEvents(1_500, { seed: 31, users: USERS, movies: MOVIES }),
    ...RARE_MOVIES.map((movieId) => aRating({ userId: 1, movieId, rating: 5, timestamp: 5_000 })),
  ];
  let stores: TestStores;
  let query: ServiceProcess;
  let url: string;
  let rpcPort: number;
  let clusterOf: Map<number, number>;

  beforeAll(async () => {
    stores = openStores(env.redis);
    await applyToActiveModels(stores, events);
    const outcome = await new Reclusterer(stores, aReclusterSettings({ k: 3, seed: 5 })).run();
    if (outcome.status !== 'published') throw new Error('no model was published');
    clusterOf = await stores.users.clustersOf(
      Array.from({ length: USERS }, (_, i) => i + 1),
      outcome.version,
    );
    await new MovieCatalogueStore(stores.connection).apply(
      Array.from({ length: MOVIES + RARE_MOVIES.length }, (_, i) => i + 1)
        .filter((movieId) => !UNLISTED.has(movieId))
        .map((movieId) => ({
          movieId,
          movie: { movieId, title: `Movie ${movieId}`, genres: genresOf(movieId), year: null },
        })),
    );

    const port = await freePort();
    rpcPort = await freePort();
    query = ServiceProcess.start('query', {
      ...serviceEnvironment(env),
      QUERY_PORT: String(port),
      QUERY_RPC_PORT: String(rpcPort),
      QUERY_RPC_HOST: '127.0.0.1',
      QUERY_REFRESH_MS: '200',
      QUERY_CATALOGUE_REFRESH_MS: '200',
    });
    await query.waitForLog(/HTTP on port/);
    url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        const { body } = await getAs(clustersResponseSchema, `${url}/v1/clusters`);
        return body.modelVersion === outcome.version ? true : undefined;
      },
      { what: 'the query service to serve the model' },
    );
  });

  afterAll(async () => {
    expect([0, 'SIGTERM']).toContain(await query.stop());
    await deleteKeysOf(env.redis);
    await stores.close();
  });

  const recommendations = async (userId: number, query: string) => {
    const { status, body } = await getAs(
      recommendationsResponseSchema,
      `${url}/v1/users/${userId}/recommendations?${query}`,
    );
    expect(status).toBe(200);
    return body;
  };

  /** Every movie the user may be recommended, in the order of their list. */
  const wholeList = async (userId: number) => {
    const whole = await recommendations(userId, 'limit=100');
    expect(whole.items.length).toBeLessThan(100);
    return whole;
  };

  it('answers the user’s list without the excluded movies and genres, and names the filters', async () => {
    for (let userId = 2; userId <= USERS; userId += 9) {
      const whole = await wholeList(userId);
      const { ratings } = await stores.users.readUser(userId);
      const excluded = [...idsOf(whole).slice(0, 4), ...[...ratings.keys()].slice(0, 3)];
      const cases = [
        {
          query: `exclude=${excluded.join(',')}`,
          keeps: (movieId: number) => !excluded.includes(movieId),
          filters: { exclude: new Set(excluded).size, genres: [], excludeGenres: [] },
        },
        {
          query: 'genres=drama,COMEDY',
          keeps: (_: number, genres: string[]) =>
            genres.includes('drama') || genres.includes('comedy'),
          filters: { exclude: 0, genres: ['drama', 'COMEDY'], excludeGenres: [] },
        },
        {
          query: `excludeGenres=Sci-Fi,film-noir&exclude=${excluded[0] ?? 1}`,
          keeps: (movieId: number, genres: string[]) =>
            movieId !== excluded[0] && !genres.includes('sci-fi') && !genres.includes('film-noir'),
          filters: { exclude: 1, genres: [], excludeGenres: ['Sci-Fi', 'film-noir'] },
        },
      ];
      for (const { query, keeps, filters } of cases) {
        const answer = await recommendations(userId, `limit=100&${query}`);
        const expected = whole.items.filter((item) => keeps(item.movieId, lower(item.genres)));

        expect(answer.items.length).toBeGreaterThan(0);
        expect(answer.items.map((item) => [item.movieId, item.source])).toEqual(
          expected.map((item) => [item.movieId, item.source]),
        );
        expect(answer).toMatchObject({
          variant: 'active',
          basis: 'cluster',
          filters: { ...filters, offset: 0 },
        });
        for (const movieId of idsOf(answer)) expect(ratings.has(movieId)).toBe(false);
      }
    }
  });

  it('leaves a movie of unknown genres out of `genres`, and keeps it under `excludeGenres`', async () => {
    let checked = 0;
    for (let userId = 2; userId <= 12; userId++) {
      const whole = await wholeList(userId);
      const unlisted = whole.items.filter((item) => item.genres.length === 0).map((i) => i.movieId);
      expect(unlisted.every((movieId) => UNLISTED.has(movieId))).toBe(true);

      const wanted = await recommendations(userId, "limit=100&genres=Comedy,Sci-Fi,Children's");
      const unwanted = await recommendations(userId, 'limit=100&excludeGenres=Film-Noir');

      for (const movieId of unlisted) {
        expect(idsOf(wanted)).not.toContain(movieId);
        expect(idsOf(unwanted)).toContain(movieId);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('backfills a list the filters leave short from the popular list, and says so', async () => {
    // A user of another cluster than user 1: with every movie but the rare ones excluded, their
    // cluster's list is empty and the popular list, which user 1's ratings put them on, fills it.
    const userId = [...clusterOf].find(([, cluster]) => cluster !== clusterOf.get(1))?.[0];
    if (userId === undefined) throw new Error('every user is in user 1’s cluster');
    const exclude = `exclude=${Array.from({ length: MOVIES }, (_, i) => i + 1).join(',')}`;

    const answer = await recommendations(userId, `limit=10&${exclude}`);
    const page = await recommendations(userId, `limit=10&offset=2&${exclude}`);

    expect(idsOf(answer).sort((a, b) => a - b)).toEqual(RARE_MOVIES);
    expect(answer.items.every((item) => item.source === 'popular')).toBe(true);
    expect(answer).toMatchObject({ basis: 'cluster', backfilled: 5, filters: { exclude: 60 } });
    expect(idsOf(page)).toEqual(idsOf(answer).slice(2));
    expect(page.backfilled).toBe(3);
  });

  it('pages: consecutive pages join into the list one larger request gets', async () => {
    for (const filters of ['', '&excludeGenres=drama', '&genres=comedy,sci-fi&exclude=3,4']) {
      const pages = await Promise.all(
        [0, 7, 14].map((offset) => recommendations(5, `limit=7&offset=${offset}${filters}`)),
      );
      const whole = await recommendations(5, `limit=21${filters}`);

      expect(whole.items).toHaveLength(21);
      expect(pages.flatMap(idsOf)).toEqual(idsOf(whole));
      expect(new Set(pages.flatMap(idsOf)).size).toBe(21);
      expect(pages.map((page) => page.filters.offset)).toEqual([0, 7, 14]);
    }
    // Past the end of the list: no item, not an error.
    expect((await recommendations(5, 'offset=1000')).items).toEqual([]);
  });

  it('takes 1,000 excluded movies, and answers 1,001 with a 400 naming `exclude`', async () => {
    const ids = (count: number) => Array.from({ length: count }, (_, i) => i + 1).join(',');

    const taken = await recommendations(7, `exclude=${ids(1_000)}`);
    const refused = await getAs(
      errorSchema,
      `${url}/v1/users/7/recommendations?exclude=${ids(1_001)}`,
    );

    expect(taken).toMatchObject({ items: [], filters: { exclude: 1_000 } });
    expect(refused).toEqual({
      status: 400,
      body: {
        message: 'invalid request',
        errors: [
          {
            field: 'exclude',
            message: 'expected a comma-separated list of at most 1000 movie ids',
          },
        ],
      },
    });
  });

  const refusals: [string, Record<string, unknown>, string, string][] = [
    [
      'exclude=1,x',
      { exclude: [1, 'x'] },
      'exclude.1',
      'expected an integer from 1 to 9007199254740991',
    ],
    ['exclude=0', { exclude: [0] }, 'exclude.0', 'expected an integer from 1 to 9007199254740991'],
    [
      'genres=Drama,,Comedy',
      { genres: ['Drama', '', 'Comedy'] },
      'genres.1',
      'expected a genre name',
    ],
    [
      `excludeGenres=${'x'.repeat(51)}`,
      { excludeGenres: ['x'.repeat(51)] },
      'excludeGenres.0',
      'expected a genre name of at most 50 characters',
    ],
    ['offset=-1', { offset: -1 }, 'offset', 'expected an integer from 0 to 1000'],
    ['offset=1001', { offset: 1_001 }, 'offset', 'expected an integer from 0 to 1000'],
    ['offset=2.5', { offset: 2.5 }, 'offset', 'expected an integer from 0 to 1000'],
    ['exclude=1&exclude=2', { exclude: 5 }, 'exclude', 'given more than once: expected one value'],
  ];

  it.each(refusals)('answers ?%s with a 400 naming the field', async (query, _, field, message) => {
    const { status, body } = await getAs(errorSchema, `${url}/v1/users/1/recommendations?${query}`);

    expect(status).toBe(400);
    expect(body).toEqual({ message: 'invalid request', errors: [{ field, message }] });
  });

  it('gives the same answers and the same 400s over RPC, through the typed client', async () => {
    await withQueryClient(rpcPort, async (client) => {
      const overRpc = await client.recommendations({
        userId: 4,
        limit: 5,
        offset: 3,
        rank: 'rating',
        exclude: [1, 2, 3],
        genres: ['Drama', 'comedy'],
        excludeGenres: ['Sci-Fi'],
      });
      const overHttp = await recommendations(
        4,
        'limit=5&offset=3&rank=rating&exclude=1,2,3&genres=Drama,comedy&excludeGenres=Sci-Fi',
      );

      expect(overRpc).toEqual(overHttp);
      expect(overRpc.items.length).toBeGreaterThan(0);
      expect(overRpc.filters).toEqual({
        exclude: 3,
        genres: ['Drama', 'comedy'],
        excludeGenres: ['Sci-Fi'],
        offset: 3,
      });

      // What a caller without the types can send; the repeated parameter has no RPC form.
      const untyped = client as unknown as Record<
        'recommendations',
        (request: unknown) => Promise<unknown>
      >;
      for (const [query, payload] of refusals.slice(0, -1)) {
        const http = await getAs(errorSchema, `${url}/v1/users/1/recommendations?${query}`);
        await expect(untyped.recommendations({ userId: 1, ...payload })).rejects.toMatchObject({
          status: http.status,
          message: http.body.message,
          errors: http.body.errors,
        });
      }
      const tooMany = Array.from({ length: 1_001 }, (_, i) => i + 1);
      await expect(client.recommendations({ userId: 1, exclude: tooMany })).rejects.toMatchObject({
        status: 400,
        errors: [{ field: 'exclude', message: expect.stringMatching(/at most 1000/) as unknown }],
      });
    });
  });
});

/** A QueryClient of the service's RPC port, for the time of one use. */
async function withQueryClient(
  port: number,
  use: (client: QueryClient) => Promise<void>,
): Promise<void> {
  @Module({ imports: [QueryClientModule.register({ host: '127.0.0.1', port })] })
  class CallerModule {}
  const caller: INestApplicationContext = await NestFactory.createApplicationContext(CallerModule, {
    logger: false,
  });
  try {
    await use(caller.get(QueryClient));
  } finally {
    await caller.close();
  }
}
