import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type Kafka } from 'kafkajs';
import { z } from 'zod';
import { progressBar, runCli } from '@app/cli';
import { seededRandom } from '@app/clustering';
import {
  kafkaEnvSchema,
  loadConfig,
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
import { RatingsRepository } from '@app/store';
import { publishModel } from '@app/testing';

const USAGE = `Usage: npm run bench:ingest -- [--events N] [--users N] [--movies N] [--seed S] [--clusters K] [--concurrency N]

Measures Kafka -> ingest -> Redis throughput of one ingest process, and in the same run a bare
kafkajs consume-and-discard loop over the same topic. Publishes N seeded synthetic events (90%
ratings, 10% favourite-added, with re-ratings) to fresh topics, assigns every user to one of K
clusters so cluster aggregates are maintained, then times both consumers from their first batch to
their last message. Topics and Redis keys are removed afterwards unless --keep is given.

Options:
  --events N      events to publish (default 1000000)
  --users N       distinct users (default 50000)
  --movies N      distinct movies (default 10000)
  --clusters K    clusters in the model (default 20)
  --seed S        random seed (default 42)
  --concurrency N partitions the ingest consumer handles at once (default 4, as the service)
  --keep          keep the topics and Redis keys
  -h, --help      show this help

Environment: KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS (default 4), REDIS_URL.
The last stdout line is JSON with eventsPerSec, consumeOnlyPerSec and ratio.`;

const argsSchema = z.object({
  events: z.coerce.number().int().positive().default(1_000_000),
  users: z.coerce.number().int().positive().default(50_000),
  movies: z.coerce.number().int().positive().default(10_000),
  clusters: z.coerce.number().int().positive().default(20),
  seed: z.coerce.number().int().default(42),
  concurrency: z.coerce.number().int().positive().default(4),
  keep: z.boolean().default(false),
  help: z.boolean().default(false),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      users: { type: 'string' },
      movies: { type: 'string' },
      clusters: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const args = argsSchema.parse(values);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const env = loadConfig(
    kafkaEnvSchema
      .extend(redisEnvSchema.shape)
      .transform((env, ctx) => ({ kafka: toKafkaConfig(env, ctx), redis: toRedisConfig(env) })),
    process.env,
  );
  const id = randomUUID().slice(0, 8);
  const kafkaConfig = {
    ...env.kafka,
    topics: { rating: `bench-ratings-${id}`, favourite: `bench-favourites-${id}` },
  };
  const redisConfig = { ...env.redis, keyPrefix: `bench-${id}` };
  const topics = Object.values(kafkaConfig.topics);
  const kafka = createKafka(kafkaConfig);
  await ensureTopics(
    kafka,
    [...topics, ...topics.map(deadLetterTopic)],
    kafkaConfig.topicPartitions,
  );

  const repository = new RatingsRepository(redisConfig);
  try {
    const random = seededRandom(args.seed);
    await assignClusters(repository, args.users, args.clusters, random);
    await publish(kafka, kafkaConfig.topics, args, random);

    const consumeOnlyPerSec = await timeConsumeOnly(kafka, topics, args.events);
    const deadLetters = new DeadLetterPublisher(kafka);
    const handler = new IngestBatchHandler(kafkaConfig.topics, repository, deadLetters);
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
      partitions: kafkaConfig.topicPartitions,
      concurrency: args.concurrency,
      eventsPerSec: Math.round(eventsPerSec),
      consumeOnlyPerSec: Math.round(consumeOnlyPerSec),
      ratio: Math.round((eventsPerSec / consumeOnlyPerSec) * 1000) / 1000,
      deadLettered: handler.stats.deadLettered,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (!args.keep) await cleanUp(kafka, [...topics, ...topics.map(deadLetterTopic)], repository);
    await repository.close();
  }
}

async function assignClusters(
  repository: RatingsRepository,
  users: number,
  clusters: number,
  random: () => number,
): Promise<void> {
  const assignments = new Map<number, number>();
  for (let userId = 1; userId <= users; userId++) {
    assignments.set(userId, Math.floor(random() * clusters));
  }
  await publishModel(repository, { clusters, assignments });
}

async function publish(
  kafka: Kafka,
  topics: { rating: string; favourite: string },
  args: z.output<typeof argsSchema>,
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

async function cleanUp(
  kafka: Kafka,
  topics: string[],
  repository: RatingsRepository,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics });
  await admin.disconnect();
  await repository.deleteAll();
}

runCli(main, USAGE);
