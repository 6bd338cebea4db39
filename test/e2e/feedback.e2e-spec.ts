import { type Kafka } from 'kafkajs';
import { freePort, ServiceProcess } from '@app/cli';
import { DLQ_HEADERS, deadLetterTopic, type IngestEvent } from '@app/events';
import { consumerGroupLag, createKafka } from '@app/kafka';
import { recommendationsResponseSchema } from '@app/query-client';
import { UserDeletion } from '@app/store';
import {
  aFavourite,
  aFeedback,
  aRating,
  computeExpectedState,
  deleteKeysOf,
  isolatedEnvironment,
  openStores,
  produce,
  readState,
  readTopic,
  serviceEnvironment,
  type TestStores,
  toWire,
  waitFor,
} from '@app/testing';

/** The user whose answers the test watches: they rated movie 1 only. */
const VIEWER = 6;
/** The user who adds, removes and adds back a favourite, and is then deleted. */
const FAN = 7;
const DELETED_AT = 10_000;

describe('feedback over the running services', () => {
  const env = isolatedEnvironment();
  const common = serviceEnvironment(env);
  const services: ServiceProcess[] = [];
  const sent: IngestEvent[] = [];
  let kafka: Kafka;
  let stores: TestStores;
  let queryUrl: string;

  /** Publishes events to their topics, keyed by user, as producers do. */
  async function publish(events: readonly IngestEvent[]): Promise<void> {
    const topicOf = (event: IngestEvent) =>
      event.kind === 'rating' || event.kind === 'favourite'
        ? env.kafka.topics[event.kind]
        : env.kafka.topics.feedback;
    for (const topic of Object.values(env.kafka.topics)) {
      const messages = events
        .filter((event) => topicOf(event) === topic)
        .map((event) => ({ key: String(event.userId), value: toWire(event) }));
      if (messages.length > 0) await produce(kafka, topic, messages);
    }
    sent.push(...events);
  }

  const caughtUp = () =>
    waitFor(
      async () =>
        (await consumerGroupLag(kafka, env.groupId, Object.values(env.kafka.topics))) === 0
          ? true
          : undefined,
      { what: 'ingestion to catch up', timeoutMs: 60_000 },
    );

  async function answerFor(userId: number): Promise<number[]> {
    const response = await fetch(`${queryUrl}/v1/users/${userId}/recommendations?limit=10`);
    const body = recommendationsResponseSchema.parse(await response.json());
    return body.items.map((item) => item.movieId);
  }

  beforeAll(async () => {
    kafka = createKafka(env.kafka);
    stores = openStores(env.redis);
    const ingest = ServiceProcess.start('ingest', common);
    services.push(ingest);
    const [port, rpcPort] = [await freePort(), await freePort()];
    const query = ServiceProcess.start('query', {
      ...common,
      QUERY_PORT: String(port),
      QUERY_RPC_PORT: String(rpcPort),
      QUERY_RPC_HOST: '127.0.0.1',
      QUERY_REFRESH_MS: '200',
    });
    services.push(query);
    queryUrl = `http://127.0.0.1:${port}`;
    await query.waitForLog(/HTTP on port/);
    await ingest.waitForLog(/consuming ratings-/);

    // Users 1-5 rate movies 1-8, the lower ids higher: the popular list is 1, 2, 3, ...
    await publish([
      ...[1, 2, 3, 4, 5].flatMap((userId) =>
        [1, 2, 3, 4, 5, 6, 7, 8].map((movieId) =>
          aRating({ userId, movieId, rating: movieId <= 4 ? 5 : 3, timestamp: 1_000 + movieId }),
        ),
      ),
      aRating({ userId: VIEWER, movieId: 1, rating: 4, timestamp: 1_000 }),
    ]);
    await caughtUp();
    await waitFor(async () => ((await answerFor(VIEWER)).length >= 7 ? true : undefined), {
      what: 'the popular movies in the viewer’s answer',
    });
  }, 120_000);

  afterAll(async () => {
    for (const service of services) expect([0, 'SIGTERM']).toContain(await service.stop());
    await deleteKeysOf(env.redis);
    await stores.close();
  });

  it('never recommends a movie the user disliked or watched again', async () => {
    const [first, second, third] = await answerFor(VIEWER);

    await publish([
      aFeedback('disliked', { userId: VIEWER, movieId: first, timestamp: 2_000 }),
      aFeedback('watched', { userId: VIEWER, movieId: second, timestamp: 2_001 }),
    ]);

    const answer = await waitFor(
      async () => {
        const movies = await answerFor(VIEWER);
        return movies.includes(first!) || movies.includes(second!) ? undefined : movies;
      },
      { what: 'the disliked and watched movies out of the answer', timeoutMs: 30_000 },
    );
    expect(answer[0]).toBe(third);
    // Other users still get them: the feedback is the viewer's alone.
    expect(await answerFor(99)).toEqual(expect.arrayContaining([first, second]));
  });

  it('counts a removed favourite out and back in by timestamp, whatever the arrival order, and dead-letters bad feedback', async () => {
    await publish([
      aFavourite({ userId: FAN, movieId: 20, timestamp: 3_000 }),
      aFeedback('favourite-removed', { userId: FAN, movieId: 20, timestamp: 3_002 }),
      // Late: older than the removal, it changes nothing.
      aFavourite({ userId: FAN, movieId: 20, timestamp: 3_001 }),
      aFavourite({ userId: FAN, movieId: 21, timestamp: 3_000 }),
      aFeedback('favourite-removed', { userId: FAN, movieId: 21, timestamp: 3_000 }),
    ]);
    await produce(kafka, env.kafka.topics.feedback, [
      { key: '8', value: JSON.stringify({ kind: 'liked', userId: 8, movieId: 1, timestamp: 1 }) },
    ]);
    await caughtUp();

    const everyone = await stores.aggregates.readAllUsers();
    expect(everyone.favourites.has(20)).toBe(false);
    // An add and a removal on the same second: the add wins.
    expect(everyone.favourites.get(21)).toBe(1);
    const expected = computeExpectedState(sent, new Map());
    const userIds = [...new Set(sent.map((e) => e.userId))];
    expect(await readState(stores, 0, userIds, [])).toEqual(expected);
    const letters = await readTopic(kafka, deadLetterTopic(env.kafka.topics.feedback));
    expect(letters.map((l) => l.headers?.[DLQ_HEADERS.reason]?.toString())).toEqual([
      expect.stringMatching(/^invalid feedback event: kind: /),
    ]);
  });

  it('keeps a deleted user deleted when their old events are replayed, and takes them back on a new one', async () => {
    await caughtUp();
    const old = sent.filter((e) => e.userId === FAN);
    await new UserDeletion(stores.connection).deleteUser(FAN, DELETED_AT);

    await publish(old);
    await caughtUp();

    expect((await stores.users.readUser(FAN)).explicitFavourites.size).toBe(0);
    expect(await stores.users.userIds()).not.toContain(FAN);
    const deletions = new Map([[FAN, DELETED_AT]]);
    const userIds = [...new Set(sent.map((e) => e.userId))].filter((u) => u !== FAN);
    const withoutFan = computeExpectedState(sent, new Map(), undefined, deletions);
    expect(await readState(stores, 0, userIds, [])).toEqual(withoutFan);

    await publish([aFavourite({ userId: FAN, movieId: 22, timestamp: DELETED_AT + 1 })]);
    await caughtUp();

    expect((await stores.users.readUser(FAN)).explicitFavourites).toEqual(new Set([22]));
    expect(await stores.users.userIds()).toContain(FAN);
    expect((await stores.aggregates.readAllUsers()).favourites.get(22)).toBe(1);
  });
});
