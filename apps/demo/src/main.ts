import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { progressBar, runCli, UsageError } from '@app/cli';
import { loadConfig, type RedisConfig } from '@app/config';
import { publishRatingsFile } from '@app/ingest';
import { consumerGroupLag, createKafka, ensureTopics, EventPublisher } from '@app/kafka';
import { RatingsFileError } from '@app/movielens';
import { RatingsRepository } from '@app/store';
import { demoEnvSchema } from './demo.config';

const ROOT = join(__dirname, '../../../..');
const DEFAULT_RATINGS = join(ROOT, 'data/ml-latest-small/ratings.csv');

const USAGE = `Usage: npm run demo [-- --ratings FILE]

Runs the system end to end on one machine: starts the ingest service, streams a MovieLens
ratings file through Kafka into Redis, waits until every event is ingested and prints what Redis
now knows. \`npm run demo\` starts the local Kafka broker and Redis first (deploy/local/stack.sh).

Options:
  --ratings FILE  ratings file to stream (default: the bundled ml-latest-small ratings.csv)
  -h, --help      show this help

Environment: as the services (KAFKA_BROKERS, REDIS_URL, ...; see README).`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { ratings: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals.join(' ')}"`);
  const ratingsFile = values.ratings ?? DEFAULT_RATINGS;
  const config = loadConfig(demoEnvSchema, process.env);
  const kafka = createKafka(config.kafka);
  const topics = Object.values(config.kafka.topics);

  const ingest = startService('ingest');
  try {
    await ensureTopics(kafka, [config.kafka.topics.rating], config.kafka.topicPartitions);
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
      if (ingest.exitCode !== null)
        throw new Error(`the ingest service exited (${ingest.exitCode})`);
      await sleep(500);
    }
    ingestBar.stop();
    await printSummary(config.redis);
  } finally {
    ingest.kill('SIGTERM');
    if (ingest.exitCode === null) await once(ingest, 'exit');
  }
}

/** Starts a service's built entry point as a child; its logs go to stderr. */
function startService(name: string) {
  const child = spawn(process.execPath, [join(ROOT, `dist/apps/${name}/src/main.js`)], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.pipe(process.stderr);
  return child;
}

async function printSummary(redisConfig: RedisConfig): Promise<void> {
  const repository = new RatingsRepository(redisConfig);
  try {
    const users = await repository.getUserIds();
    const example = users[0];
    const lines = [`Redis now holds ${users.length} users.`];
    if (example !== undefined) {
      const [ratings, favourites] = await Promise.all([
        repository.getUserRatings(example),
        repository.getUserFavourites(example),
      ]);
      lines.push(
        `User ${example} has ${ratings.size} ratings, ${favourites.size} of them favourites ` +
          `(rated 4 or more, or added as favourites).`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await repository.close();
  }
}

const log = (message: string): void => {
  process.stderr.write(`demo: ${message}\n`);
};

runCli(main, USAGE, [RatingsFileError]);
