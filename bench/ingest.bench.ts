import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { type Kafka } from 'kafkajs';
import {
  Command,
  type CommandArgs,
  option,
  progressBar,
  projectRoot,
  startLocalStack,
} from '@app/cli';
import { DEFAULT_MODEL_SETTINGS, seededRandom } from '@app/clustering';
import {
  kafkaEnvSchema,
  loadConfig,
  type RedisConfig,
  redisEnvSchema,
  toKafkaConfig,
  toRedisConfig,
} from '@app/config';
import { deadLetterTopic, type IngestEvent, isFavouriteRating } from '@app/events';
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
import { createRedisClient } from '@app/store';
import { deleteKeysOf, openStores, publishModel, type TestStores } from '@app/testing';

const ROOT = projectRoot();

const command = new Command({
  synopsis: 'npm run bench:ingest -- [--events N] [--users N] [--movies N] [options]',
  summary: `Measures Kafka -> ingest -> Redis throughput of one ingest process, and in the same run two
floors over the same topics: a bare kafkajs consume-and-discard loop, and a floor consumer that
applies the same state changes with plain pipelined commands (no Lua, no idempotence checks, no
dead-lettering, offsets committed per batch). Publishes N seeded synthetic events (90% ratings,
10% favourite-added, with re-ratings) to fresh topics, assigns every user to one of K clusters so
cluster aggregates are maintained, then times each consumer from its first batch to its last
message. With --replica-acks R, ingests once more with REDIS_REPLICA_ACKS=R (a Redis Cluster with
replicas) and reports what the acknowledgement costs. Starts the local stack
(deploy/local/stack.sh) first unless --no-stack. Topics and Redis keys are removed afterwards
unless --keep is given.`,
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
    'replica-acks': option.int('also ingest with REDIS_REPLICA_ACKS set to this (0: do not)', {
      min: 0,
      defaultValue: 0,
    }),
    keep: option.flag('keep the topics and Redis keys'),
    'no-stack': option.flag('use KAFKA_BROKERS and REDIS_URL as they are; start nothing'),
  },
  notes: `Environment: KAFKA_BROKERS, KAFKA_TOPIC_PARTITIONS (default 4), REDIS_URL, REDIS_MODE, KAFKA_NODES.
The last stdout line is JSON with eventsPerSec, floorPerSec, ratioToFloor, consumeOnlyPerSec,
ratio (to consume-only) and, with --replica-acks, eventsPerSecWithAcks and replicaAckCost.`,
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
    topics: {
      rating: `bench-ratings-${id}`,
      favourite: `bench-favourites-${id}`,
      feedback: `bench-feedback-${id}`,
    },
  };
  const redisConfig = { ...env.redis, keyPrefix: `bench-${id}` };
  const topics = Object.values(kafkaConfig.topics);
  const kafka = createKafka(kafkaConfig);
  await ensureTopics(kafka, [...topics, ...topics.map(deadLetterTopic)], kafkaConfig.topicLayout);

  const prefixes = {
    ingest: redisConfig,
    floor: { ...redisConfig, keyPrefix: `bench-${id}-floor` },
    acks: {
      ...redisConfig,
      keyPrefix: `bench-${id}-acks`,
      replicaAcks: { replicas: args['replica-acks'], timeoutMs: 5_000 },
    },
  };
  const stores = openStores(prefixes.ingest);
  const acksStores = args['replica-acks'] > 0 ? openStores(prefixes.acks) : undefined;
  const deadLetters = new DeadLetterPublisher(kafka);
  try {
    const random = seededRandom(args.seed);
    const assignments = await assignClusters(stores, args.users, args.clusters, random);
    if (acksStores) await publishModel(acksStores, { clusters: args.clusters, assignments });
    await publish(kafka, kafkaConfig.topics, args, random);

    const consumeOnlyPerSec = await timeConsumeOnly(kafka, topics, args.events);
    const floorPerSec = await timeFloor(kafka, topics, args, prefixes.floor, assignments);
    const ingest = async (label: string, ingestStores: TestStores) => {
      const handler = new IngestBatchHandler(kafkaConfig.topics, ingestStores, deadLetters);
      const perSec = await timeConsumer(
        kafka,
        topics,
        args.events,
        label,
        args.concurrency,
        (counting) => ({
          groupId: `bench-${label}-${id}`,
          handler: {
            handle: async (batch) => {
              await handler.handle(batch);
              counting.handle(batch);
            },
          },
        }),
      );
      return { perSec, deadLettered: handler.stats.deadLettered };
    };
    const plain = await ingest('ingest', stores);
    const eventsPerSec = plain.perSec;
    const withAcks = acksStores && (await ingest('ingest with replica acks', acksStores));

    const result = {
      events: args.events,
      users: args.users,
      movies: args.movies,
      clusters: args.clusters,
      partitions: kafkaConfig.topicLayout.partitions,
      concurrency: args.concurrency,
      eventsPerSec: Math.round(eventsPerSec),
      consumeOnlyPerSec: Math.round(consumeOnlyPerSec),
      ratio: round3(eventsPerSec / consumeOnlyPerSec),
      floorPerSec: Math.round(floorPerSec),
      ratioToFloor: round3(eventsPerSec / floorPerSec),
      deadLettered: plain.deadLettered,
      ...(withAcks && {
        replicaAcks: args['replica-acks'],
        eventsPerSecWithAcks: Math.round(withAcks.perSec),
        // The share of throughput the acknowledgement takes.
        replicaAckCost: round3(1 - withAcks.perSec / eventsPerSec),
      }),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await deadLetters.close();
    if (!args.keep) {
      await cleanUp(kafka, [...topics, ...topics.map(deadLetterTopic)], Object.values(prefixes));
    }
    await Promise.all([stores.close(), acksStores?.close()]);
  }
});

async function assignClusters(
  stores: TestStores,
  users: number,
  clusters: number,
  random: () => number,
): Promise<Map<number, number>> {
  const assignments = new Map<number, number>();
  for (let userId = 1; userId <= users; userId++) {
    assignments.set(userId, Math.floor(random() * clusters));
  }
  await publishModel(stores, { clusters, assignments });
  return assignments;
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

/**
 * The floor: the same state changes as ingestion (each user's ratings and favourites, each
 * cluster's rating counts, sums and favourite counts), as plain commands sent together per batch,
 * with no script, no check for an event seen before, no validation beyond JSON and no
 * dead-lettering; the offsets are committed after each batch, as the service does.
 */
async function timeFloor(
  kafka: Kafka,
  topics: string[],
  args: Args,
  config: RedisConfig,
  assignments: ReadonlyMap<number, number>,
): Promise<number> {
  // Pipelined wherever it can be: on a Redis Cluster too, where ioredis groups the commands by
  // node (the services' cluster client does not, so that redirections cannot fail a batch).
  const client = config.cluster
    ? new Cluster(
        config.url.split(',').map((seed) => {
          const url = new URL(seed.trim());
          return { host: url.hostname, port: Number(url.port || 6379) };
        }),
        { enableAutoPipelining: true, redisOptions: { password: config.password } },
      )
    : createRedisClient(config, {});
  const prefix = config.keyPrefix;
  const [ratingTopic] = topics;
  try {
    return await timeConsumer(
      kafka,
      topics,
      args.events,
      'floor',
      args.concurrency,
      (counting) => ({
        groupId: `bench-floor-${prefix}`,
        handler: {
          handle: async (batch) => {
            const writes: Promise<unknown>[] = [];
            for (const message of batch.messages) {
              const event = JSON.parse(String(message.value)) as {
                userId: number;
                movieId: number;
                rating?: number;
              };
              const movie = String(event.movieId);
              const user = `${prefix}:{u:${event.userId}}`;
              const cluster = `${prefix}:{c:${assignments.get(event.userId) ?? 0}}`;
              if (batch.topic === ratingTopic && event.rating !== undefined) {
                writes.push(client.hset(`${user}:ratings`, movie, event.rating));
                writes.push(client.hincrby(`${cluster}:counts`, movie, 1));
                writes.push(client.hincrbyfloat(`${cluster}:sums`, movie, event.rating));
                if (isFavouriteRating(event.rating, DEFAULT_MODEL_SETTINGS.favouriteMinRating)) {
                  writes.push(client.hincrby(`${cluster}:favs`, movie, 1));
                }
              } else {
                writes.push(client.sadd(`${user}:favs`, movie));
                writes.push(client.hincrby(`${cluster}:favs`, movie, 1));
              }
            }
            await Promise.all(writes);
            counting.handle(batch);
          },
        },
      }),
    );
  } finally {
    client.disconnect();
  }
}

async function cleanUp(kafka: Kafka, topics: string[], redis: RedisConfig[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics });
  await admin.disconnect();
  for (const config of redis) await deleteKeysOf(config);
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
