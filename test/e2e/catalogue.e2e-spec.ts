import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kafka } from 'kafkajs';
import { freePort, ServiceProcess } from '@app/cli';
import { createKafka } from '@app/kafka';
import { recommendationsResponseSchema, type RecommendationsResponse } from '@app/query-client';
import {
  aRating,
  isolatedEnvironment,
  lastJsonLine,
  metricValue,
  parseMetrics,
  produce,
  runBuilt,
  serviceEnvironment,
  toWire,
  waitFor,
} from '@app/testing';

/** Movies the users rate, which no catalogue names until the test loads them. */
const KNOWN_LATER = 501;
const NEVER_LOADED = 502;

const dir = mkdtempSync(join(tmpdir(), 'catalogue-e2e-'));

/** A movies.csv of the given titles, as MovieLens writes it. */
function moviesFile(name: string, titles: Readonly<Record<number, string>>): string {
  const path = join(dir, name);
  const lines = Object.entries(titles).map(([movieId, title]) => `${movieId},"${title}",Drama`);
  writeFileSync(path, `movieId,title,genres\n${lines.join('\n')}\n`);
  return path;
}

describe('the catalogue, over the running services', () => {
  const env = isolatedEnvironment();
  const common = serviceEnvironment(env);
  const services: ServiceProcess[] = [];
  let kafka: Kafka;
  let queryUrl: string;

  /** User 99 rated nothing: the most popular movies, the ones users 1-5 rated. */
  async function popularAnswer(): Promise<RecommendationsResponse> {
    const response = await fetch(`${queryUrl}/v1/users/99/recommendations?limit=10`);
    return recommendationsResponseSchema.parse(await response.json());
  }

  /** The title the query service gives a movie in its answer, once the answer names the movie. */
  async function titleOf(movieId: number): Promise<string | null | undefined> {
    return (await popularAnswer()).items.find((item) => item.movieId === movieId)?.title;
  }

  /** Waits until the running service gives the movie this title. */
  const untilTitled = (movieId: number, title: string | null) =>
    waitFor(async () => ((await titleOf(movieId)) === title ? true : undefined), {
      what: `movie ${movieId} titled ${String(title)}`,
      timeoutMs: 30_000,
    });

  /** The query service's catalogue gauges. */
  async function catalogueMetrics(): Promise<{ movies?: number; version?: number }> {
    const samples = parseMetrics(await (await fetch(`${queryUrl}/metrics`)).text());
    return {
      movies: metricValue(samples, 'recommender_catalogue_movies'),
      version: metricValue(samples, 'recommender_catalogue_version'),
    };
  }

  const load = (file: string) => runBuilt('apps/loader/src/main.js', [file], common);

  beforeAll(async () => {
    kafka = createKafka(env.kafka);
    const ingest = ServiceProcess.start('ingest', common);
    services.push(ingest);
    const [port, rpcPort] = [await freePort(), await freePort()];
    const query = ServiceProcess.start('query', {
      ...common,
      QUERY_PORT: String(port),
      QUERY_RPC_PORT: String(rpcPort),
      QUERY_RPC_HOST: '127.0.0.1',
      QUERY_REFRESH_MS: '200',
      QUERY_CATALOGUE_REFRESH_MS: '200',
    });
    services.push(query);
    queryUrl = `http://127.0.0.1:${port}`;
    await query.waitForLog(/HTTP on port/);
    await ingest.waitForLog(/into the catalogue/);

    const ratings = [1, 2, 3, 4, 5].flatMap((userId, i) => [
      aRating({ userId, movieId: KNOWN_LATER, rating: 5, timestamp: 1_000 + i }),
      aRating({ userId, movieId: NEVER_LOADED, rating: 4, timestamp: 2_000 + i }),
    ]);
    await produce(
      kafka,
      env.kafka.topics.rating,
      ratings.map((event) => ({ key: String(event.userId), value: toWire(event) })),
    );
    await waitFor(async () => ((await popularAnswer()).items.length === 2 ? true : undefined), {
      what: 'the rated movies in the popular list',
    });
  }, 120_000);

  afterAll(async () => {
    for (const service of services) expect([0, 'SIGTERM']).toContain(await service.stop());
  });

  it('answers with the id and a null title for movies the catalogue does not know', async () => {
    const answer = await popularAnswer();

    expect(await catalogueMetrics()).toEqual({ movies: 0, version: 0 });

    expect(answer.items.map(({ movieId, title }) => ({ movieId, title }))).toEqual([
      { movieId: KNOWN_LATER, title: null },
      { movieId: NEVER_LOADED, title: null },
    ]);
  });

  it('names a movie loaded with `npm run load -- movies.csv` without a restart', async () => {
    const file = moviesFile('movies.csv', { [KNOWN_LATER]: 'Loaded Later (1999)' });

    const sut = await load(file);

    expect(sut.code).toBe(0);
    expect(lastJsonLine(sut.stdout)).toMatchObject({
      kind: 'movies',
      topic: env.kafka.moviesTopic,
      published: 1,
    });
    await untilTitled(KNOWN_LATER, 'Loaded Later (1999)');
    expect(await titleOf(NEVER_LOADED)).toBeNull();
    expect(await catalogueMetrics()).toEqual({ movies: 1, version: 1 });
  }, 60_000);

  it('picks up a changed title, and forgets a removed movie', async () => {
    const renamed = moviesFile('renamed.csv', { [KNOWN_LATER]: 'Loaded Later, Renamed (1999)' });

    expect((await load(renamed)).code).toBe(0);
    await untilTitled(KNOWN_LATER, 'Loaded Later, Renamed (1999)');

    // A tombstone on the compacted topic takes the movie out of the catalogue.
    await produce(kafka, env.kafka.moviesTopic, [{ key: String(KNOWN_LATER), value: null }]);
    await untilTitled(KNOWN_LATER, null);
  }, 60_000);
});
