import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { ConfigError, loadConfig } from '@app/config';
import { createKafka, ensureTopics, EventPublisher } from '@app/kafka';
import { inspectRatingsFile, RatingsFileError, readRatings } from '@app/movielens';
import { loaderEnvSchema } from './loader.config';

const USAGE = `Usage: npm run load -- <ratings-file> [--topic NAME] [--limit N]

Publishes a MovieLens ratings file to Kafka, one rating event per line, keyed by user.
The layout is detected from the content: ml-latest(-small) ratings.csv, ml-100k u.data
(or its u1.base..ub.test splits) and ml-1m/ml-10m ratings.dat.

Options:
  --topic NAME   topic to publish to (default: KAFKA_RATINGS_TOPIC, "ratings")
  --limit N      publish only the first N ratings
  -h, --help     show this help

Environment: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_CLIENT_ID, KAFKA_TOPIC_PARTITIONS.
The last line on stdout is a JSON summary.`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      topic: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length > 0) {
    throw new UsageError('expected exactly one ratings file');
  }
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (!(limit > 0))
    throw new UsageError(`--limit must be a positive number, got "${values.limit}"`);

  const config = loadConfig(loaderEnvSchema, process.env);
  const topic = values.topic ?? config.kafka.topics.rating;
  const { format, bytes } = await inspectRatingsFile(path);

  const kafka = createKafka(config.kafka);
  await ensureTopics(kafka, [topic], config.kafka.topicPartitions);
  const publisher = new EventPublisher(kafka, topic);
  await publisher.connect();

  const bar = new SingleBar(
    {
      format: `${format} {bar} {percentage}% | {published} ratings | {rate} ratings/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  let published = 0;
  const rate = (): number => Math.round(published / ((performance.now() - started) / 1000 || 1));
  bar.start(bytes, 0, { published: 0, rate: 0 });
  try {
    for await (const { line: _, ...event } of readRatings(path, {
      onProgress: (read) => {
        bar.update(read, { published, rate: rate() });
      },
    })) {
      await publisher.publish(event.userId, event);
      if (++published >= limit) break;
    }
    await publisher.flush();
    bar.update(bytes, { published, rate: rate() });
  } finally {
    bar.stop();
    await publisher.close();
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({ file: path, format, topic, published, seconds: round(seconds), eventsPerSec: rate() })}\n`,
  );
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

class UsageError extends Error {}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (error instanceof RatingsFileError || error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
});
