import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Kafka } from 'kafkajs';
import { DLQ_HEADERS, deadLetterTopic, type IngestEvent } from '@app/events';
import { consumerGroupLag, createKafka } from '@app/kafka';
import { RatingsRepository } from '@app/store';
import {
  computeExpectedState,
  generateEvents,
  isolatedEnvironment,
  produce,
  publishModel,
  readState,
  readTopic,
  TcpProxy,
  toWire,
  waitFor,
  type WireMessage,
} from '@app/testing';
import { type IngestConfig } from './ingest.config';
import { IngestModule } from './ingest.module';

const VERSION = 1;
const CLUSTERS = [0, 1, 2];
const clusterOf = (userId: number): number | undefined =>
  userId % 5 === 0 ? undefined : userId % 3;
// Users the model does not know are placed by nearest centre as soon as ingestion sees them; the
// harness's centres are all zero, so every distance ties and the lowest cluster wins.
const placedOf = (userId: number): number => clusterOf(userId) ?? 0;

interface Harness {
  config: IngestConfig;
  kafka: Kafka;
  repository: RatingsRepository;
  /** Every user's cluster once ingestion placed the ones without a cluster. */
  placed: Map<number, number>;
}

async function harness(users: number, redisUrl?: string): Promise<Harness> {
  const env = isolatedEnvironment();
  const config: IngestConfig = {
    kafka: env.kafka,
    redis: { ...env.redis, url: redisUrl ?? env.redis.url },
    port: 0,
    logLevel: 'error',
    groupId: env.groupId,
    retryInitialMs: 50,
    retryMaxMs: 400,
    partitionsConcurrently: 2,
  };
  const repository = new RatingsRepository(env.redis);
  const assignments = new Map<number, number>();
  const placed = new Map<number, number>();
  for (let userId = 1; userId <= users; userId++) {
    const cluster = clusterOf(userId);
    if (cluster !== undefined) assignments.set(userId, cluster);
    placed.set(userId, placedOf(userId));
  }
  expect(await publishModel(repository, { clusters: CLUSTERS.length, assignments })).toBe(VERSION);
  return { config, kafka: createKafka(env.kafka), repository, placed };
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
    await h?.repository.close();
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

    const expected = computeExpectedState(events, h.placed);
    expect(await readState(h.repository, VERSION, expected.users.keys(), CLUSTERS)).toEqual(
      expected,
    );
    const userIds = [...expected.users.keys()].sort((a, b) => a - b);
    expect(await h.repository.getUserIds()).toEqual(userIds);
    expect(await h.repository.clustersOf(userIds, VERSION)).toEqual(
      new Map(userIds.map((userId) => [userId, placedOf(userId)])),
    );

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

  it('pauses while Redis is down, commits nothing, and loses nothing once it is back', async () => {
    const target = new URL(process.env.REDIS_URL!);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
    h = await harness(12, `redis://127.0.0.1:${proxy.port}`);
    const events = generateEvents(300, { seed: 5, users: 12, movies: 20 });
    const topics = Object.values(h.config.kafka.topics);

    app = await startIngest(h.config);
    await publishEvents(h.kafka, h.config, events.slice(0, 150));
    await waitFor(allCommitted(h), { what: 'the first half committed' });

    await proxy.cut();
    await publishEvents(h.kafka, h.config, events.slice(150));
    const backlog = await consumerGroupLag(h.kafka, h.config.groupId, topics);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await consumerGroupLag(h.kafka, h.config.groupId, topics)).toBe(backlog);
    expect(backlog).toBeGreaterThan(0);

    await proxy.start();
    await waitFor(allCommitted(h), { what: 'the backlog committed after Redis returned' });
    await proxy.cut();

    const expected = computeExpectedState(events, h.placed);
    expect(await readState(h.repository, VERSION, expected.users.keys(), CLUSTERS)).toEqual(
      expected,
    );
  });
});
