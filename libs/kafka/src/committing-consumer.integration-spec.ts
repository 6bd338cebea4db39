import { setTimeout as sleep } from 'node:timers/promises';
import { type Kafka } from 'kafkajs';
import { isolatedEnvironment, produce, waitFor } from '@app/testing';
import {
  type BatchHandler,
  CommittingConsumer,
  type CommittingConsumerOptions,
  type MessageBatch,
} from './committing-consumer';
import { consumerGroupLag, type PartitionLag } from './consumer-group-lag';
import { createKafka, ensureTopics } from './kafka-client';

const MESSAGES = 40;

interface Fixture {
  kafka: Kafka;
  topic: string;
  groupId: string;
  lag: () => Promise<number>;
}

async function aTopicWithMessages(partitions = 1): Promise<Fixture> {
  const env = isolatedEnvironment();
  const kafka = createKafka(env.kafka);
  const topic = env.kafka.topics.rating;
  await ensureTopics(kafka, [topic], { partitions, replicationFactor: -1 });
  await produce(
    kafka,
    topic,
    Array.from({ length: MESSAGES }, (_, i) => ({
      key: String(i),
      value: `message ${i}`,
      partition: i % partitions,
    })),
  );
  return {
    kafka,
    topic,
    groupId: env.groupId,
    lag: () => consumerGroupLag(kafka, env.groupId, [topic]),
  };
}

const optionsFor = (
  f: Fixture,
  overrides: Partial<CommittingConsumerOptions> = {},
): CommittingConsumerOptions => ({
  groupId: f.groupId,
  topics: [f.topic],
  retryInitialMs: 50,
  retryMaxMs: 200,
  ...overrides,
});

/** A handler that holds each batch until released, to stop the consumer with a batch in hand. */
class GatedHandler implements BatchHandler {
  readonly batches: MessageBatch[] = [];
  private release: (() => void) | undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  async handle(batch: MessageBatch): Promise<void> {
    this.batches.push(batch);
    await this.gate;
  }

  open(): void {
    this.release?.();
  }
}

describe(CommittingConsumer.name, () => {
  let sut: CommittingConsumer | undefined;

  afterEach(async () => {
    await sut?.stop();
    sut = undefined;
  });

  it('on stop, finishes and commits the batch in hand before it leaves the group', async () => {
    const f = await aTopicWithMessages();
    const handler = new GatedHandler();
    sut = new CommittingConsumer(f.kafka, optionsFor(f), handler);
    await sut.start();
    await waitFor(() => Promise.resolve(handler.batches.length > 0 ? true : undefined), {
      what: 'a batch in hand',
    });

    let stopped = false;
    const stopping = sut.stop().then(() => {
      stopped = true;
    });
    await sleep(500);
    expect(stopped).toBe(false);
    handler.open();
    await stopping;

    const inHand = handler.batches[0]!.messages.length;
    expect(handler.batches).toHaveLength(1);
    expect(await f.lag()).toBe(MESSAGES - inHand);
  });

  it('on stop, leaves a failing batch uncommitted at once rather than after its backoff', async () => {
    const f = await aTopicWithMessages();
    let attempts = 0;
    sut = new CommittingConsumer(
      f.kafka,
      optionsFor(f, { retryInitialMs: 20_000, retryMaxMs: 20_000 }),
      {
        handle: () => {
          attempts++;
          return Promise.reject(new Error('Redis is down'));
        },
      },
    );
    await sut.start();
    await waitFor(() => Promise.resolve(attempts > 0 ? true : undefined), {
      what: 'a failed attempt',
    });

    const started = performance.now();
    await sut.stop();

    expect(performance.now() - started).toBeLessThan(5_000);
    expect(attempts).toBe(1);
    expect(await f.lag()).toBe(MESSAGES);
  });

  it('goes on with the other partitions while one keeps failing, and reports it stalled', async () => {
    const f = await aTopicWithMessages(2);
    const handled: number[] = [];
    sut = new CommittingConsumer(f.kafka, optionsFor(f, { partitionsConcurrently: 2 }), {
      handle: ({ partition, messages }) => {
        if (partition === 0) return Promise.reject(new Error('cannot apply this one'));
        handled.push(...messages.map(() => partition));
        return Promise.resolve();
      },
    });
    await sut.start();

    await waitFor(async () => ((await f.lag()) === MESSAGES / 2 ? true : undefined), {
      what: "partition 1's messages committed",
    });
    expect(handled).toHaveLength(MESSAGES / 2);
    await sleep(300);
    expect(sut.stalled(200)).toEqual([
      {
        topic: f.topic,
        partition: 0,
        since: expect.any(Date) as unknown,
        error: 'cannot apply this one',
      },
    ]);
    expect(sut.stalled(60_000)).toEqual([]);
  });

  it('tells whether it is in the group, and the lag of the partitions it owns', async () => {
    const f = await aTopicWithMessages();
    const reports: (readonly PartitionLag[])[] = [];
    sut = new CommittingConsumer(
      f.kafka,
      optionsFor(f, { observer: { lagChanged: (lags) => reports.push(lags) } }),
      { handle: () => Promise.resolve() },
    );
    expect(sut.isJoined).toBe(false);

    await sut.start();
    await waitFor(async () => ((await f.lag()) === 0 ? true : undefined), {
      what: 'every message committed',
    });

    expect(sut.isJoined).toBe(true);
    expect(reports.at(-1)).toEqual([{ topic: f.topic, partition: 0, lag: 0 }]);
    await sut.stop();
    expect(sut.isJoined).toBe(false);
    expect(reports.at(-1)).toEqual([]);
  });
});
