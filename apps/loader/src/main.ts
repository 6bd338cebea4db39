import { parseArgs } from 'node:util';
import { progressBar, runCli, UsageError } from '@app/cli';
import { loadConfig } from '@app/config';
import { publishRatingsFile } from '@app/ingest';
import { createKafka, ensureTopics, EventPublisher } from '@app/kafka';
import { inspectRatingsFile, MovieLensFileError } from '@app/movielens';
import { loaderEnvSchema } from './loader.config';

const USAGE = `Usage: npm run load -- <ratings-file> [--topic NAME] [--limit N]

Publishes a MovieLens ratings file to Kafka, one rating event per line, keyed by user.
The layout is detected from the content: ml-latest(-small) ratings.csv, ml-100k u.data
(or its u1.base..ub.test splits) and ml-1m/ml-10m ratings.dat. A line that is not a rating
stops the load with its line number.

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
  // Fails on an unreadable or unknown file before anything connects to Kafka.
  await inspectRatingsFile(path);
  const topic = values.topic ?? config.kafka.topics.rating;
  const kafka = createKafka(config.kafka);
  await ensureTopics(kafka, [topic], config.kafka.topicPartitions);
  const publisher = new EventPublisher(kafka, topic);
  await publisher.connect();

  const started = performance.now();
  const bar = progressBar('load', ' bytes | {published} ratings');
  bar.start(1, 0, { published: 0 });
  try {
    const { format, published } = await publishRatingsFile(publisher, path, {
      limit,
      onProgress: ({ bytesRead, bytes, published }) => {
        bar.setTotal(bytes);
        bar.update(bytesRead, { published });
      },
    });
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    const summary = {
      file: path,
      format,
      topic,
      published,
      seconds: Math.round(seconds * 1000) / 1000,
      eventsPerSec: Math.round(published / seconds),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    bar.stop();
    await publisher.close();
  }
}

runCli(main, USAGE, [MovieLensFileError]);
