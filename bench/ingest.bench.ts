import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Kafka } from 'kafkajs';
import { Command, type CommandArgs, option, progressBar, startLocalStack } from '@app/cli';
import { seededRandom } from '@app/clustering';
import {
  kafkaEnvSchema,
  loadConfig,
  type RedisConfig,
  redisEnvSchema,
  toKafkaConfig,
  toRedisConfig,
} from '@app/config';
import { deadLetterTopic, type IngestEvent } from '@app/events';
import { IngestBatchHandler } from '@app/ingest';
import {
  type BatchHandler,
  CommittingConsumer,
  createKafka,
  DeadLetterPublisher,
  ensureTopics,
  EventPublisher,
  type MessageBatch,
} from '@app/kafka';
import { deleteKeysOf, openStores, publishModel, type TestStores } from '@app/testing';

const ROOT = join(__dirname, '..', '..');

const command = new Command({
  synopsis: 'npm run bench:ingest -- [--events N] [--users N] [--movies N] [options]',
  summary: `Measures Kafka -> ingest -> Redis throughput of one ingest process, and in the same run a bare
kafkajs consume-and-discard loop over the same topic. Publishes N seeded synthetic events (90%
ratings, 10% favourite-added, with re-ratings) to fresh topics, assigns every user to one of K
clusters so cluster aggregates are maintained, then times both consumers from their first batch to
their last message. Starts the local stack (deploy/local/stack.sh) first unless --no-stack.
Topics and Redis keys are removed afterwards unless --keep is given.`,
  options: {
    events: option.int('events to publish', { min: 1, defaultValue: 1_000_000 }),
    users: option.int('distinct users', { min: 1, defaultValue: 50_000 }),
    movies: option.int('distinct movies', { min: 1, defaultValue: 10_000 }),
    clusters: option.int('clusters in the model', { min: 1, max: 10_000, defaultValue: 20 }),
    seed: option.int('random seed', { defaultValue: 42 }),
    concurrency: option.int('partitions the ingest consumer handles at once, as the service', {
      min: 1,
      defaultValue: 4,
    }),
    keep: option.flag('keep the topics and Redis keys'),
    'no-stack': option.flag('use KAFKA_BROKERS and REDIS_URL as they are; start nothing'),
  },
  notes: `Environment: KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS (default 4), REDIS_URL, REDIS_MODE, KAFKA_NODES.
The last stdout line is JSON with eventsPerSec, consumeOnlyPerSec and ratio.`,
});

type Args = CommandArgs<typeof command>;

command.run(async (args) => {
  const stack = args['no-stack'] ? {} : await startLocalStack(ROOT);
  const env = loadConfig(
    kafkaEnvSchema.extend(redisEnvSchema.shape).transform((env, ctx) => ({
      kafka: toKafkaConfig(env, ctx),
      redis: toRedisConfig(env, ctx),
    })),
    { ...process.env, ...stack },
  );
  const id = randomUUID().slice(0, 8);
  const kafkaConfig = {
    ...env.kafka,
    topics: { rating: `bench-ratings-${id}`, favourite: `bench-favourites-${id}` },
  };
  const redisConfig = { ...env.redis, keyPrefix: `bench-${id}` };
  const topics = Object.values(kafkaConfig.topics);
  const kafka = createKafka(kafkaConfig);
  await ensureTopics(kafka, [...topics, ...topics.map(deadLetterTopic)], kafkaConfig.topicLayout);

  const stores = openStores(redisConfig);
  try {
    const random = seededRandom(args.seed);
    await assignClusters(stores, args.users, args.clusters, random);
    await publish(kafka, kafkaConfig.topics, args, random);

    const consumeOnlyPerSec = await timeConsumeOnly(kafka, topics, args.events);
    const deadLetters = new DeadLetterPublisher(kafka);
    const handler = new IngestBatchHandler(kafkaConfig.topics, stores, deadLetters);
    const eventsPerSec = await timeConsumer(
      kafka,
      topics,
      args.events,
      'ingest',
      args.concurrency,
      (counting) => ({
        groupId: `bench-ingest-${id}`,
        handler: {
          handle: async (batch) => {
            await handler.handle(batch);
            counting.handle(batch);
          },
        },
      }),
    );
    await deadLetters.close();

    const result = {
      events: args.events,
      users: args.users,
      movies: args.movies,
      clusters: args.clusters,
      partitions: kafkaConfig.topicLayout.partitions,
      concurrency: args.concurrency,
      eventsPerSec: Math.round(eventsPerSec),
      consumeOnlyPerSec: Math.round(consumeOnlyPerSec),
      ratio: Math.round((eventsPerSec / consumeOnlyPerSec) * 1000) / 1000,
      deadLettered: handler.stats.deadLettered,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (!args.keep) await cleanUp(kafka, [...topics, ...topics.map(deadLetterTopic)], redisConfig);
    await stores.close();
  }
});

async function assignClusters(
  stores: TestStores,
  users: number,
  clusters: number,
  random: () => number,
): Promise<void> {
  const assignments = new Map<number, number>();
  for (let userId = 1; userId <= users; userId++) {
    assignments.set(userId, Math.floor(random() * clusters));
  }
  await publishModel(stores, { clusters, assignments });
}

async function publish(
  kafka: Kafka,
  topics: { rating: string; favourite: string },
  args: Args,
  random: () => number,
): Promise<void> {
  const ratings = new EventPublisher(kafka, topics.rating, 10_000);
  const favourites = new EventPublisher(kafka, topics.favourite, 10_000);
  await Promise.all([ratings.connect(), favourites.connect()]);
  const bar = progressBar('publish');
  bar.start(args.events, 0);
  // Popularity is skewed like real catalogues: a few movies get most of the ratings.
  const movie = (): number => 1 + Math.floor(args.movies * random() ** 3);
  for (let i = 0; i < args.events; i++) {
    const userId = 1 + Math.floor(random() * args.users);
    const timestamp = 1_000_000 + Math.floor(random() * 1_000_000);
    const event: Omit<IngestEvent, 'kind'> & { rating?: number } = {
      userId,
      movieId: movie(),
      timestamp,
    };
    if (random() < 0.1) {
      await favourites.publish(userId, event);
    } else {
      event.rating = (1 + Math.floor(random() * 10)) / 2;
      await ratings.publish(userId, event);
    }
    if (i % 10_000 === 0) bar.update(i);
  }
  await Promise.all([ratings.flush(), favourites.flush()]);
  bar.update(args.events);
  bar.stop();
  await Promise.all([ratings.close(), favourites.close()]);
}

interface Counting {
  handle(batch: MessageBatch): void;
}

/** Runs one consumer group over the topics and returns messages per second, first batch to last. */
async function timeConsumer(
  kafka: Kafka,
  topics: string[],
  total: number,
  label: string,
  concurrency: number,
  build: (counting: Counting) => { groupId: string; handler: BatchHandler },
): Promise<number> {
  const bar = progressBar(label);
  let seen = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const counting: Counting = {
    handle: (batch) => {
      if (first === 0) first = performance.now();
      seen += batch.messages.length;
      bar.update(seen);
      if (seen >= total) {
        last = performance.now();
        done();
      }
    },
  };
  const { groupId, handler } = build(counting);
  const consumer = new CommittingConsumer(
    kafka,
    {
      groupId,
      topics,
      retryInitialMs: 100,
      retryMaxMs: 2_000,
      partitionsConcurrently: concurrency,
    },
    handler,
  );
  bar.start(total, 0);
  await consumer.start();
  await finished;
  bar.stop();
  await consumer.stop();
  return total / ((last - first) / 1000);
}

/** The peer: kafkajs fetching the same topics and discarding every message. */
async function timeConsumeOnly(kafka: Kafka, topics: string[], total: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const bar = progressBar('consume only');
  let seen = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  bar.start(total, 0);
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      seen += batch.messages.length;
      bar.update(seen);
      if (seen >= total) {
        last = performance.now();
        done();
      }
      await Promise.resolve();
    },
  });
  await finished;
  bar.stop();
  await consumer.disconnect();
  return total / ((last - first) / 1000);
}

async function cleanUp(kafka: Kafka, topics: string[], redis: RedisConfig): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics });
  await admin.disconnect();
  await deleteKeysOf(redis);
}
