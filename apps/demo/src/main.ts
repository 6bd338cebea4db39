import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Kafka } from 'kafkajs';
import { z } from 'zod';
import {
  Command,
  option,
  progressBar,
  projectRoot,
  ServiceProcess,
  startLocalStack,
} from '@app/cli';
import { loadConfig } from '@app/config';
import { publishMovies, publishRatingsFile } from '@app/ingest';
import {
  BrokersUnreachableError,
  checkBrokers,
  consumerGroupLag,
  createKafka,
  ensureTopics,
  EventPublisher,
  TopicCreationError,
} from '@app/kafka';
import { countRatings, MovieLensFileError, readMovies } from '@app/movielens';
import {
  clustersResponseSchema,
  type RecommendationsResponse,
  recommendationsResponseSchema,
} from '@app/query-client';
import { RedisConnection, RedisUnreachableError } from '@app/store';
import { demoEnvSchema } from './demo.config';

const ROOT = projectRoot();
const DEFAULT_RATINGS = join(ROOT, 'data/ml-latest-small/ratings.csv');
const DEFAULT_MOVIES = join(ROOT, 'data/ml-latest-small/movies.csv');
const EXAMPLE_USERS = [1, 42, 414];

const command = new Command({
  synopsis:
    'npm run demo [-- --ratings FILE] [--movies FILE] [--users 1,42,...] [--exit] [--no-stack]',
  summary: `Runs the whole system on one machine: starts the local Kafka broker and Redis
(deploy/local/stack.sh), the ingest and query services, streams a MovieLens ratings file
through Kafka into Redis (with the catalogue of a MovieLens movies file), starts the recluster
service and reclusters the users, and prints example recommendations, one answer under filters
(a genre, a movie left out) and the first user's answer after they dislike their top movie, and
the URLs to ask for more. The services keep running until Ctrl-C.`,
  options: {
    ratings: option.string(
      'ratings file to stream (default: the bundled ml-latest-small ratings.csv)',
      {
        value: 'FILE',
      },
    ),
    movies: option.string(
      'movies file for the catalogue (default: the bundled ml-latest-small movies.csv)',
      { value: 'FILE' },
    ),
    users: option.intList('users to show recommendations for', { defaultValue: EXAMPLE_USERS }),
    exit: option.flag('stop the services once the examples are printed'),
    'no-stack': option.flag(
      'do not start the local stack; use the servers KAFKA_BROKERS and REDIS_URL name',
    ),
  },
  notes: `Environment: as the services (KAFKA_BROKERS, REDIS_URL, QUERY_PORT, RECLUSTER_PORT, ...; see
README); REDIS_MODE and KAFKA_NODES choose the local stack's modes.`,
});

command.run(
  async (args) => {
    // Before anything starts: a bad line of the file, or a server that does not answer, is one
    // line naming it, not the services' logs of their retries.
    const ratingsFile = args.ratings ?? DEFAULT_RATINGS;
    await countRatings(ratingsFile);
    const movies = await readMovies(args.movies ?? DEFAULT_MOVIES);
    const stack = args['no-stack'] ? {} : await startLocalStack(ROOT);
    const env = { ...process.env, ...stack };
    const config = loadConfig(demoEnvSchema, env);
    await checkBrokers(createKafka(config.kafka, { failFast: true }), config.kafka);
    const redis = new RedisConnection(config.redis);
    await redis.ready(5_000).finally(() => redis.close());
    const kafka = createKafka(config.kafka);
    const topics = Object.values(config.kafka.topics);

    // The services run with their admin routes locked to this token, which only the demo knows
    // unless ADMIN_TOKEN chose it; a token file or ADMIN_AUTH of the shell is not theirs.
    const adminToken = config.adminToken ?? randomBytes(24).toString('hex');
    const serviceEnv = {
      ...stack,
      ADMIN_TOKEN: adminToken,
      ADMIN_TOKEN_FILE: '',
      ADMIN_AUTH: 'token',
    };
    const services: ServiceProcess[] = [];
    const start = (name: string) => {
      const service = ServiceProcess.start(name, serviceEnv, { echo: process.stderr });
      services.push(service);
      return service;
    };
    const stopAll = async (): Promise<void> => {
      await Promise.all(services.map((service) => service.stop()));
    };
    process.once('SIGINT', () => void stopAll());
    try {
      start('ingest');
      start('query');
      await ensureTopics(kafka, [...topics, config.kafka.moviesTopic], config.kafka.topicLayout);
      await withPublisher(kafka, config.kafka.moviesTopic, (movieEvents) =>
        publishMovies(movieEvents, movies),
      );
      log(`published ${movies.length} movies to the catalogue`);
      const publisher = new EventPublisher(kafka, config.kafka.topics.rating);
      await publisher.connect();
      const loadBar = progressBar('publish', ' bytes');
      loadBar.start(1, 0);
      const { published } = await publishRatingsFile(publisher, ratingsFile, {
        onProgress: ({ bytesRead, bytes }) => {
          loadBar.setTotal(bytes);
          loadBar.update(bytesRead);
        },
      }).finally(() => {
        loadBar.stop();
        return publisher.close();
      });
      log(`published ${published} ratings from ${ratingsFile}`);

      const ingestBar = progressBar('ingest', ' events');
      ingestBar.start(published, 0);
      for (;;) {
        const lag = await consumerGroupLag(kafka, config.ingestGroupId, topics);
        ingestBar.update(Math.max(0, published - lag));
        if (lag === 0) break;
        assertRunning(services);
        await sleep(500);
      }
      ingestBar.stop();

      // Started once every rating is in: its first scheduled run then clusters them all.
      start('recluster');
      log('reclustering');
      const outcome = await postJson(`${config.reclusterUrl}/v1/recluster`, adminToken, services);
      const { version } = z
        .object({ status: z.literal('published'), version: z.number() })
        .parse(outcome, {
          error: () => `the recluster did not publish: ${JSON.stringify(outcome)}`,
        });
      const clusters = await waitForModel(config.queryUrl, version, services);
      process.stdout.write(
        `\nModel ${version}: ${clusters.clusters.length} taste clusters, built ${clusters.builtAt}\n`,
      );
      const [firstUser = EXAMPLE_USERS[0] ?? 1] = args.users;
      // Titles and genres come from the catalogue, which ingestion writes apart from the ratings.
      await waitForAnswer(config.queryUrl, firstUser, services, (body) =>
        body.items.every((item) => item.title !== null),
      );
      for (const userId of args.users) {
        await printRecommendations(config.queryUrl, userId);
      }
      const [top] = (await recommendationsOf(config.queryUrl, firstUser)).items;
      if (top !== undefined) {
        await printRecommendations(config.queryUrl, firstUser, {
          query: `genres=Comedy&exclude=${top.movieId}`,
          heading: `comedies only, leaving out ${top.title ?? `movie ${top.movieId}`}`,
        });
        // The feedback goes through Kafka and ingestion as any client's would.
        await withPublisher(kafka, config.kafka.topics.feedback, (feedback) =>
          feedback.publish(firstUser, {
            kind: 'disliked',
            userId: firstUser,
            movieId: top.movieId,
            timestamp: Math.floor(Date.now() / 1000),
          }),
        );
        await waitForAnswer(config.queryUrl, firstUser, services, (body) =>
          body.items.every((item) => item.movieId !== top.movieId),
        );
        await printRecommendations(config.queryUrl, firstUser, {
          heading: `after disliking ${top.title ?? `movie ${top.movieId}`}`,
        });
      }
      process.stdout.write(
        `\nAsk for more:\n` +
          `  curl '${config.queryUrl}/v1/users/${firstUser}/recommendations?limit=10&rank=rating'\n` +
          `  curl '${config.queryUrl}/v1/users/${firstUser}/recommendations?genres=Drama,Crime&offset=10'\n` +
          `  curl '${config.queryUrl}/v1/users/${firstUser}/predictions/318'\n` +
          `  curl '${config.queryUrl}/v1/clusters'\n` +
          `  API description: ${config.queryUrl}/v1/openapi.json\n` +
          `  dashboard: ${config.queryUrl}/dashboard\n` +
          `  admin routes (recluster, profile writes, DELETE /v1/users/:id) take the services'\n` +
          `  admin token: ${config.adminToken === undefined ? 'one made for this run; set ADMIN_TOKEN to choose it' : 'ADMIN_TOKEN'}\n`,
      );
      if (args.exit) return;
      process.stdout.write('\nThe services keep running; Ctrl-C stops them.\n');
      await Promise.race(services.map((service) => service.exited()));
    } finally {
      await stopAll();
    }
  },
  [MovieLensFileError, BrokersUnreachableError, RedisUnreachableError, TopicCreationError],
);

async function recommendationsOf(
  queryUrl: string,
  userId: number,
  query = '',
): Promise<RecommendationsResponse> {
  const response = await fetch(`${queryUrl}/v1/users/${userId}/recommendations?limit=5&${query}`);
  return recommendationsResponseSchema.parse(await response.json());
}

async function printRecommendations(
  queryUrl: string,
  userId: number,
  { query, heading }: { query?: string; heading?: string } = {},
): Promise<void> {
  const body = await recommendationsOf(queryUrl, userId, query);
  const why =
    body.basis === 'cluster'
      ? `taste cluster ${body.cluster}: people like you loved these, and you have not seen them`
      : body.basis === 'demographics'
        ? `demographic cluster ${body.cluster}`
        : 'no ratings yet: popular movies';
  process.stdout.write(
    `\nUser ${userId}${heading === undefined ? '' : `, ${heading}`} (${why}):\n`,
  );
  body.items.forEach((item, i) => {
    const mean =
      item.clusterMeanRating === null ? '' : `, mean ${item.clusterMeanRating.toFixed(1)}`;
    process.stdout.write(
      `  ${i + 1}. ${item.title ?? `movie ${item.movieId}`}  (${item.clusterFavourites} favourites${mean})\n`,
    );
  });
}

/** Waits until the user's answer shows what the caller is waiting for (an event ingested). */
async function waitForAnswer(
  queryUrl: string,
  userId: number,
  services: ServiceProcess[],
  done: (body: RecommendationsResponse) => boolean,
): Promise<void> {
  for (;;) {
    assertRunning(services);
    if (done(await recommendationsOf(queryUrl, userId))) return;
    await sleep(250);
  }
}

/** Publishes with a producer of the topic's own, closed when done. */
async function withPublisher(
  kafka: Kafka,
  topic: string,
  publish: (publisher: EventPublisher) => Promise<unknown>,
): Promise<void> {
  const publisher = new EventPublisher(kafka, topic);
  await publisher.connect();
  try {
    await publish(publisher);
    await publisher.flush();
  } finally {
    await publisher.close();
  }
}

async function waitForModel(queryUrl: string, version: number, services: ServiceProcess[]) {
  for (;;) {
    assertRunning(services);
    const response = await fetch(`${queryUrl}/v1/clusters`).catch(() => undefined);
    if (response?.ok) {
      const clusters = clustersResponseSchema.parse(await response.json());
      if (clusters.modelVersion === version) return clusters;
    }
    await sleep(250);
  }
}

/** POSTs to an admin route once the service listens (it may still be starting). */
async function postJson(
  url: string,
  adminToken: string,
  services: ServiceProcess[],
): Promise<unknown> {
  for (;;) {
    assertRunning(services);
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    }).catch(() => undefined);
    if (response !== undefined) return response.json();
    await sleep(250);
  }
}

function assertRunning(services: ServiceProcess[]): void {
  const stopped = services.find((s) => s.exitCode !== null);
  if (stopped !== undefined) {
    throw new Error(`a service exited (code ${stopped.exitCode}); see its log above`);
  }
}

const log = (message: string): void => {
  process.stderr.write(`demo: ${message}\n`);
};
