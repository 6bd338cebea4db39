import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Kafka } from 'kafkajs';
import { DLQ_HEADERS, deadLetterTopic, type IngestEvent } from '@app/events';
import { consumerGroupLag, createKafka } from '@app/kafka';
import {
  computeExpectedState,
  generateEvents,
  isolatedEnvironment,
  openStores,
  produce,
  publishModel,
  rawRedis,
  readState,
  readTopic,
  type RedisOutage,
  redisOutage,
  shuffled,
  type TestStores,
  toWire,
  waitFor,
  type WireMessage,
} from '@app/testing';
import { type IngestConfig } from './ingest.config';
import { IngestModule } from './ingest.module';

const VERSION = 1;
const CLUSTERS = [0, 1, 2];
/** The model's users; every fifth is left out, for ingestion to place. */
const clusterOf = (userId: number): number | undefined =>
  userId % 5 === 0 ? undefined : userId % 3;

interface Harness {
  config: IngestConfig;
  kafka: Kafka;
  stores: TestStores;
  /** The users the model clustered. */
  assignments: Map<number, number>;
  /** Takes Redis away from the service, when the harness was asked for it. */
  outage?: RedisOutage;
}

async function harness(users: number, { outage = false } = {}): Promise<Harness> {
  const env = isolatedEnvironment();
  const redisOutageOf = outage ? await redisOutage(env.redis) : undefined;
  const config: IngestConfig = {
    kafka: env.kafka,
    redis: redisOutageOf?.config ?? env.redis,
    port: 0,
    logLevel: 'error',
    groupId: env.groupId,
    retryInitialMs: 50,
    retryMaxMs: 400,
    partitionsConcurrently: 2,
    stallMs: 60_000,
    sessionTimeoutMs: 30_000,
  };
  const stores = openStores(env.redis);
  const assignments = new Map<number, number>();
  for (let userId = 1; userId <= users; userId++) {
    const cluster = clusterOf(userId);
    if (cluster !== undefined) assignments.set(userId, cluster);
  }
  expect(await publishModel(stores, { clusters: CLUSTERS.length, assignments })).toBe(VERSION);
  return {
    config,
    kafka: createKafka(env.kafka),
    stores,
    assignments,
    ...(redisOutageOf && { outage: redisOutageOf }),
  };
}

const startIngest = (config: IngestConfig): Promise<INestApplicationContext> =>
  NestFactory.createApplicationContext(IngestModule.forRoot(config), { logger: ['error'] });

const wire = (event: IngestEvent): WireMessage => ({
  key: String(event.userId),
  value: toWire(event),
});

async function publishEvents(
  kafka: Kafka,
  config: IngestConfig,
  events: IngestEvent[],
): Promise<void> {
  await produce(
    kafka,
    config.kafka.topics.rating,
    events.filter((e) => e.kind === 'rating').map(wire),
  );
  await produce(
    kafka,
    config.kafka.topics.favourite,
    events.filter((e) => e.kind === 'favourite').map(wire),
  );
  await produce(
    kafka,
    config.kafka.topics.feedback,
    events.filter((e) => e.kind !== 'rating' && e.kind !== 'favourite').map(wire),
  );
}

/**
 * Redis equals the from-scratch state of the events: users, the all-users aggregate, and every
 * cluster's aggregates for the users' clusters as stored (the model's, or where ingestion placed
 * the others); the model's users kept their clusters, and every other user was placed.
 */
async function expectStateOf(h: Harness, events: readonly IngestEvent[]): Promise<void> {
  const userIds = [...new Set(events.map((e) => e.userId))].sort((a, b) => a - b);
  const clusters = await h.stores.users.clustersOf(userIds, VERSION);
  expect([...clusters.keys()].sort((a, b) => a - b)).toEqual(userIds);
  for (const [userId, cluster] of h.assignments) {
    if (clusters.has(userId)) expect(clusters.get(userId)).toBe(cluster);
  }
  const expected = computeExpectedState(events, clusters);
  expect(await readState(h.stores, VERSION, expected.users.keys(), CLUSTERS)).toEqual(expected);
  expect(await h.stores.users.userIds()).toEqual(expect.arrayContaining(userIds));
}

const allCommitted = (h: Harness) => async () =>
  (await consumerGroupLag(h.kafka, h.config.groupId, Object.values(h.config.kafka.topics))) === 0
    ? true
    : undefined;

describe('ingest service', () => {
  let app: INestApplicationContext | undefined;
  let h: Harness | undefined;

  afterEach(async () => {
    await app?.close();
    await h?.outage?.close();
    await h?.stores.close();
    app = undefined;
    h = undefined;
  });

  it('turns valid events, duplicates and re-ratings into the from-scratch state, and dead-letters exactly the bad ones', async () => {
    h = await harness(20);
    const events = generateEvents(400, { seed: 11, users: 20, movies: 25 });
    const duplicates = events.slice(100, 160);
    const bad: { topic: string; message: WireMessage; reason: RegExp }[] = [
      {
        topic: h.config.kafka.topics.rating,
        message: { key: '1', value: 'not json{' },
        reason: /invalid JSON/,
      },
      {
        topic: h.config.kafka.topics.rating,
        message: { key: '2', value: null },
        reason: /empty message/,
      },
      {
        topic: h.config.kafka.topics.rating,
        message: {
          key: '3',
          value: JSON.stringify({ userId: 3, movieId: 1, rating: 5.5, timestamp: 1 }),
        },
        reason: /rating: .*(5|too big)/i,
      },
      {
        topic: h.config.kafka.topics.rating,
        message: {
          key: '4',
          value: JSON.stringify({ userId: 4, movieId: 1, rating: 3.3, timestamp: 1 }),
        },
        reason: /rating: must be a multiple of 0.5/,
      },
      {
        topic: h.config.kafka.topics.rating,
        message: { key: '6', value: JSON.stringify({ userId: 6, rating: 3, timestamp: 1 }) },
        reason: /movieId/,
      },
      {
        topic: h.config.kafka.topics.favourite,
        message: { key: 'x', value: JSON.stringify({ userId: 'x', movieId: 2, timestamp: 1 }) },
        reason: /userId/,
      },
      {
        topic: h.config.kafka.topics.favourite,
        message: { key: '7', value: Buffer.from([0xff, 0xfe, 0x00, 0x01]) },
        reason: /invalid JSON/,
      },
    ];

    app = await startIngest(h.config);
    await publishEvents(h.kafka, h.config, events.slice(0, 200));
    for (const { topic, message } of bad) await produce(h.kafka, topic, [message]);
    await publishEvents(h.kafka, h.config, [...events.slice(200), ...duplicates]);
    await waitFor(allCommitted(h), { what: 'every offset committed' });

    await expectStateOf(h, events);

    for (const topic of Object.values(h.config.kafka.topics)) {
      const expectedBad = bad.filter((b) => b.topic === topic);
      const letters = await readTopic(h.kafka, deadLetterTopic(topic));
      expect(letters).toHaveLength(expectedBad.length);
      for (const letter of letters) {
        const original = expectedBad.find(
          (b) => (b.message.key ?? '') === (letter.key?.toString() ?? ''),
        );
        expect(original).toBeDefined();
        const originalValue = original!.message.value;
        expect(letter.value ?? Buffer.alloc(0)).toEqual(
          originalValue === null ? Buffer.alloc(0) : Buffer.from(originalValue),
        );
        const header = (name: string) => letter.headers?.[name]?.toString();
        expect(header(DLQ_HEADERS.reason)).toMatch(original!.reason);
        expect(header(DLQ_HEADERS.sourceTopic)).toBe(topic);
        expect(Number(header(DLQ_HEADERS.sourcePartition))).toBeGreaterThanOrEqual(0);
        expect(Number(header(DLQ_HEADERS.sourceOffset))).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('applies feedback mixed with ratings and favourites, shuffled and duplicated, as the oracle says, and dead-letters bad feedback naming the field', async () => {
    h = await harness(15);
    const events = generateEvents(500, { seed: 14, users: 15, movies: 20, feedback: true });
    const feedback = h.config.kafka.topics.feedback;
    const bad: { message: WireMessage; reason: RegExp }[] = [
      {
        message: {
          key: '3',
          value: JSON.stringify({ kind: 'disliked', userId: 3, movieId: 'abc', timestamp: 1 }),
        },
        reason: /^invalid feedback event: movieId: /,
      },
      {
        message: {
          key: '4',
          value: JSON.stringify({ kind: 'liked', userId: 4, movieId: 1, timestamp: 1 }),
        },
        reason: /^invalid feedback event: kind: /,
      },
      {
        message: { key: '6', value: JSON.stringify({ kind: 'watched', userId: 6, movieId: 1 }) },
        reason: /^invalid feedback event: timestamp: /,
      },
      { message: { key: '7', value: '{"kind":' }, reason: /^invalid JSON/ },
    ];

    app = await startIngest(h.config);
    // Shuffled: each user's events reach their partition out of timestamp order; some twice.
    await publishEvents(h.kafka, h.config, shuffled(events, 1).slice(0, 300));
    await produce(
      h.kafka,
      feedback,
      bad.map((b) => b.message),
    );
    await publishEvents(h.kafka, h.config, [
      ...shuffled(events, 1).slice(300),
      ...shuffled(events, 2).slice(0, 150),
    ]);
    await waitFor(allCommitted(h), { what: 'every offset committed' });

    await expectStateOf(h, events);
    const hiding = events.filter((e) => e.kind === 'disliked' || e.kind === 'watched');
    const userId = hiding[0]!.userId;
    expect((await h.stores.users.readUser(userId)).hidden).toEqual(
      new Set(hiding.filter((e) => e.userId === userId).map((e) => e.movieId)),
    );
    const letters = await readTopic(h.kafka, deadLetterTopic(feedback));
    expect(letters.map((l) => l.key?.toString()).sort()).toEqual(['3', '4', '6', '7']);
    for (const letter of letters) {
      const original = bad.find((b) => b.message.key === letter.key?.toString());
      expect(letter.value?.toString()).toBe(original!.message.value);
      expect(letter.headers?.[DLQ_HEADERS.reason]?.toString()).toMatch(original!.reason);
      expect(letter.headers?.[DLQ_HEADERS.sourceTopic]?.toString()).toBe(feedback);
    }
  });

  it('pauses while Redis is down, commits nothing, and loses nothing once it is back', async () => {
    h = await harness(12, { outage: true });
    const outage = h.outage!;
    const events = generateEvents(300, { seed: 5, users: 12, movies: 20 });
    const topics = Object.values(h.config.kafka.topics);

    app = await startIngest(h.config);
    await publishEvents(h.kafka, h.config, events.slice(0, 150));
    await waitFor(allCommitted(h), { what: 'the first half committed' });

    await outage.begin();
    await publishEvents(h.kafka, h.config, events.slice(150));
    const backlog = await consumerGroupLag(h.kafka, h.config.groupId, topics);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await consumerGroupLag(h.kafka, h.config.groupId, topics)).toBe(backlog);
    expect(backlog).toBeGreaterThan(0);

    await outage.end();
    await waitFor(allCommitted(h), { what: 'the backlog committed after Redis returned' });

    await expectStateOf(h, events);
    // Redis being down is not a fault of any event: nothing was dead-lettered.
    for (const topic of topics)
      expect(await readTopic(h.kafka, deadLetterTopic(topic))).toEqual([]);
  });

  it('dead-letters the one event Redis refuses, with the reason, and applies the rest', async () => {
    h = await harness(10);
    const events = generateEvents(200, { seed: 6, users: 10, movies: 15 }).filter(
      (e) => e.kind === 'rating',
    );
    // Another program wrote a string where user 7's ratings belong: Redis refuses every write.
    const raw = rawRedis(h.config.redis);
    await raw.set(`${h.config.redis.keyPrefix}:{u:7}:ratings`, 'not a hash');
    raw.disconnect();

    app = await startIngest(h.config);
    await publishEvents(h.kafka, h.config, events);
    await waitFor(allCommitted(h), { what: 'every offset committed' });

    const poisoned = events.filter((e) => e.userId === 7);
    expect(poisoned.length).toBeGreaterThan(0);
    await expectStateOf(
      h,
      events.filter((e) => e.userId !== 7),
    );
    const sent = await readTopic(h.kafka, deadLetterTopic(h.config.kafka.topics.rating));
    // At least once: a send that failed after storing its letters is retried with the batch.
    // The source position names a letter, so copies are told apart by it.
    const source = (letter: (typeof sent)[number]) =>
      `${letter.headers?.[DLQ_HEADERS.sourcePartition]?.toString()}:${letter.headers?.[DLQ_HEADERS.sourceOffset]?.toString()}`;
    const letters = [...new Map(sent.map((letter) => [source(letter), letter])).values()];
    expect(letters.map((letter) => letter.value?.toString()).sort()).toEqual(
      poisoned.map(toWire).sort(),
    );
    for (const letter of letters) {
      expect(letter.key?.toString()).toBe('7');
      expect(letter.headers?.[DLQ_HEADERS.reason]?.toString()).toMatch(
        /could not be applied to Redis: .*WRONGTYPE/,
      );
    }
  });

  it('dead-letters messages too large to send back whole, and goes on', async () => {
    h = await harness(10);
    const topic = h.config.kafka.topics.rating;
    // Just under the broker's default limit of 1,048,588 bytes: with the dead-letter headers
    // added it would not fit. Then two of 600 KB with one key, which share a partition.
    const huge = Buffer.alloc(1_040_000, 'x');
    const large = Buffer.alloc(600_000, 'y');
    const events = generateEvents(50, { seed: 8, users: 10, movies: 10 }).filter(
      (e) => e.kind === 'rating',
    );

    app = await startIngest(h.config);
    await produce(h.kafka, topic, [{ key: '1', value: huge }]);
    // One at a time: together they would not fit one request to the broker either.
    await produce(h.kafka, topic, [{ key: '2', value: large }]);
    await produce(h.kafka, topic, [{ key: '2', value: large }]);
    await publishEvents(h.kafka, h.config, events);
    await waitFor(allCommitted(h), { what: 'every offset committed' });

    await expectStateOf(h, events);
    const letters = await readTopic(h.kafka, deadLetterTopic(topic));
    expect(letters).toHaveLength(3);
    const byKey = (key: string) => letters.filter((l) => l.key?.toString() === key);
    const [first] = byKey('1');
    const header = (name: string) => first?.headers?.[name]?.toString();
    expect(header(DLQ_HEADERS.truncated)).toBe('true');
    expect(header(DLQ_HEADERS.originalBytes)).toBe(String(huge.length));
    expect(header(DLQ_HEADERS.reason)).toMatch(/invalid JSON/);
    expect(first?.value?.length).toBeLessThan(huge.length);
    expect(byKey('2').map((l) => l.value?.length)).toEqual([large.length, large.length]);
  });
});
