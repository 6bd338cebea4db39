import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DLQ_HEADERS, deadLetterTopic, type MovieEvent } from '@app/events';
import { consumerGroupLag, createKafka, ensureTopics } from '@app/kafka';
import { MovieCatalogueStore, RedisConnection } from '@app/store';
import { isolatedEnvironment, produce, readTopic, waitFor, type WireMessage } from '@app/testing';
import { catalogueGroupId, CatalogueConsumer } from './catalogue.consumer';
import { type IngestConfig } from './ingest.config';
import { IngestModule } from './ingest.module';

const aMovie = (movieId: number, title: string): MovieEvent => ({
  movieId,
  title,
  genres: ['Comedy'],
  year: 1995,
});

const entry = (movie: MovieEvent): WireMessage => ({
  key: String(movie.movieId),
  value: JSON.stringify(movie),
});

describe(CatalogueConsumer.name, () => {
  const env = isolatedEnvironment();
  const config: IngestConfig = {
    kafka: env.kafka,
    redis: env.redis,
    port: 0,
    logLevel: 'error',
    groupId: env.groupId,
    retryInitialMs: 50,
    retryMaxMs: 400,
    partitionsConcurrently: 2,
    stallMs: 60_000,
    sessionTimeoutMs: 30_000,
  };
  const kafka = createKafka(env.kafka);
  const topic = env.kafka.moviesTopic;
  const connection = new RedisConnection(env.redis);
  const store = new MovieCatalogueStore(connection);
  let app: INestApplicationContext | undefined;

  const startIngest = (groupId: string) =>
    NestFactory.createApplicationContext(IngestModule.forRoot({ ...config, groupId }), {
      logger: ['error'],
    });
  const caughtUp = (groupId: string) => async () =>
    (await consumerGroupLag(kafka, catalogueGroupId(groupId), [topic])) === 0 ? true : undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => connection.close());

  it('keeps the last entry of each movie, drops a removed one, dead-letters bad messages with a reason, and a replay changes nothing', async () => {
    // One partition, so the order of the messages below is the order they are consumed in.
    await ensureTopics(kafka, [topic], { partitions: 1, replicationFactor: -1 });
    const bad: { message: WireMessage; reason: RegExp }[] = [
      { message: { key: '4', value: '{"movieId":4,' }, reason: /^invalid JSON/ },
      {
        message: {
          key: '5',
          value: JSON.stringify({ movieId: 5, title: '', genres: [], year: null }),
        },
        reason: /^invalid movie event: title: /,
      },
      {
        message: { ...entry(aMovie(6, 'Keyed elsewhere')), key: '7' },
        reason: /^key 7 is not the event's movieId 6/,
      },
      {
        message: { key: 'six', value: JSON.stringify(aMovie(6, 'Six')) },
        reason: /^key: expected the movie id/,
      },
    ];

    app = await startIngest(env.groupId);
    await produce(kafka, topic, [
      entry(aMovie(1, 'Toy Story (1995)')),
      entry(aMovie(2, 'Jumanji (1995)')),
      entry(aMovie(3, 'Heat (1995)')),
      ...bad.map(({ message }) => message),
      entry(aMovie(1, 'Toy Story')),
      { key: '2', value: null },
    ]);
    await waitFor(caughtUp(env.groupId), { what: 'the catalogue consumed' });

    const read = await store.read();
    expect(read.movies).toEqual(
      new Map([
        [1, aMovie(1, 'Toy Story')],
        [3, aMovie(3, 'Heat (1995)')],
      ]),
    );
    expect(read.version).toBeGreaterThan(0);
    const letters = await readTopic(kafka, deadLetterTopic(topic));
    expect(letters.map((letter) => letter.key?.toString()).sort()).toEqual(['4', '5', '7', 'six']);
    for (const letter of letters) {
      const original = bad.find(({ message }) => message.key === letter.key?.toString());
      expect(letter.value?.toString()).toBe(String(original?.message.value));
      expect(letter.headers?.[DLQ_HEADERS.reason]?.toString()).toMatch(original?.reason ?? /^$/);
      expect(letter.headers?.[DLQ_HEADERS.sourceTopic]?.toString()).toBe(topic);
    }

    // A new group replays the whole topic, finding every entry as it would write it.
    await app.close();
    app = await startIngest(`${env.groupId}-again`);
    await waitFor(caughtUp(`${env.groupId}-again`), { what: 'the replay consumed' });

    expect(await store.read()).toEqual(read);
  });
});
