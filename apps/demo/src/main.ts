import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { progressBar, runCli, ServiceProcess, UsageError } from '@app/cli';
import { loadConfig } from '@app/config';
import { publishRatingsFile } from '@app/ingest';
import { consumerGroupLag, createKafka, ensureTopics, EventPublisher } from '@app/kafka';
import { MovieLensFileError } from '@app/movielens';
import { clustersResponseSchema, recommendationsResponseSchema } from '@app/query-client';
import { demoEnvSchema } from './demo.config';

const ROOT = join(__dirname, '../../../..');
const DEFAULT_RATINGS = join(ROOT, 'data/ml-latest-small/ratings.csv');
const EXAMPLE_USERS = [1, 42, 414];

const USAGE = `Usage: npm run demo [-- --ratings FILE] [--users 1,42,...] [--exit]

Runs the whole system on one machine: starts the ingest, recluster and query services, streams
a MovieLens ratings file through Kafka into Redis, reclusters the users, and prints example
recommendations and the URL to ask for more. The services keep running until Ctrl-C.
\`npm run demo\` starts the local Kafka broker and Redis first (deploy/local/stack.sh).

Options:
  --ratings FILE  ratings file to stream (default: the bundled ml-latest-small ratings.csv)
  --users LIST    users to show recommendations for (default 1,42,414)
  --exit          stop the services once the examples are printed
  -h, --help      show this help

Environment: as the services (KAFKA_BROKERS, REDIS_URL, QUERY_PORT, RECLUSTER_PORT, ...; see
README).`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ratings: { type: 'string' },
      users: { type: 'string' },
      exit: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals.join(' ')}"`);
  const users = values.users === undefined ? EXAMPLE_USERS : parseUsers(values.users);
  const ratingsFile = values.ratings ?? DEFAULT_RATINGS;
  const config = loadConfig(demoEnvSchema, process.env);
  const kafka = createKafka(config.kafka);
  const topics = Object.values(config.kafka.topics);

  const services = ['ingest', 'recluster', 'query'].map(startService);
  const stopAll = async (): Promise<void> => {
    await Promise.all(services.map((service) => service.stop()));
  };
  process.once('SIGINT', () => void stopAll());
  try {
    await ensureTopics(kafka, topics, config.kafka.topicPartitions);
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

    log('reclustering');
    const outcome = await postJson(`${config.reclusterUrl}/v1/recluster`, services);
    const { version } = z
      .object({ status: z.literal('published'), version: z.number() })
      .parse(outcome, { error: () => `the recluster did not publish: ${JSON.stringify(outcome)}` });
    const clusters = await waitForModel(config.queryUrl, version, services);
    process.stdout.write(
      `\nModel ${version}: ${clusters.clusters.length} taste clusters, built ${clusters.builtAt}\n`,
    );
    for (const userId of users) {
      await printRecommendations(config.queryUrl, userId);
    }
    process.stdout.write(
      `\nAsk for more:\n` +
        `  curl '${config.queryUrl}/v1/users/${users[0]}/recommendations?limit=10&rank=rating'\n` +
        `  curl '${config.queryUrl}/v1/users/${users[0]}/predictions/318'\n` +
        `  curl '${config.queryUrl}/v1/clusters'\n` +
        `  API description: ${config.queryUrl}/v1/openapi.json\n`,
    );
    if (values.exit) return;
    process.stdout.write('\nThe services keep running; Ctrl-C stops them.\n');
    await Promise.race(services.map((service) => service.exited()));
  } finally {
    await stopAll();
  }
}

async function printRecommendations(queryUrl: string, userId: number): Promise<void> {
  const body = recommendationsResponseSchema.parse(
    await (await fetch(`${queryUrl}/v1/users/${userId}/recommendations?limit=5`)).json(),
  );
  const why =
    body.basis === 'cluster'
      ? `taste cluster ${body.cluster}: people like you loved these, and you have not seen them`
      : body.basis === 'demographics'
        ? `demographic cluster ${body.cluster}`
        : 'no ratings yet: popular movies';
  process.stdout.write(`\nUser ${userId} (${why}):\n`);
  body.items.forEach((item, i) => {
    const mean =
      item.clusterMeanRating === null ? '' : `, mean ${item.clusterMeanRating.toFixed(1)}`;
    process.stdout.write(
      `  ${i + 1}. ${item.title ?? `movie ${item.movieId}`}  (${item.clusterFavourites} favourites${mean})\n`,
    );
  });
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

/** POSTs once the service listens (it may still be starting). */
async function postJson(url: string, services: ServiceProcess[]): Promise<unknown> {
  for (;;) {
    assertRunning(services);
    const response = await fetch(url, { method: 'POST' }).catch(() => undefined);
    if (response !== undefined) return response.json();
    await sleep(250);
  }
}

/**
 * Starts a service's built entry point as a child; its logs go to stderr. The recluster worker
 * waits for the demo's request rather than reclustering on its own halfway through the stream.
 */
function startService(name: string): ServiceProcess {
  return ServiceProcess.start(
    name,
    { RECLUSTER_AFTER_EVENTS: process.env.RECLUSTER_AFTER_EVENTS ?? '1000000000' },
    { echo: process.stderr },
  );
}

function assertRunning(services: ServiceProcess[]): void {
  const stopped = services.find((s) => s.exitCode !== null);
  if (stopped !== undefined) {
    throw new Error(`a service exited (code ${stopped.exitCode}); see its log above`);
  }
}

function parseUsers(list: string): number[] {
  const users = list.split(',').map(Number);
  if (users.some((u) => !Number.isInteger(u) || u < 1))
    throw new UsageError(`--users takes positive integers separated by commas, got "${list}"`);
  return users;
}

const log = (message: string): void => {
  process.stderr.write(`demo: ${message}\n`);
};

runCli(main, USAGE, [MovieLensFileError]);
