import { Command, option, progressBar } from '@app/cli';
import { KAFKA_TOPIC_NAME, loadConfig } from '@app/config';
import { publishRatingsFile } from '@app/ingest';
import {
  BrokersUnreachableError,
  checkBrokers,
  createKafka,
  ensureTopics,
  EventPublisher,
  PublishError,
  TopicCreationError,
} from '@app/kafka';
import { countRatings, MovieLensFileError } from '@app/movielens';
import { loaderEnvSchema } from './loader.config';

const command = new Command({
  synopsis: 'npm run load -- <ratings-file> [--topic NAME] [--limit N]',
  summary: `Publishes a MovieLens ratings file to Kafka, one rating event per line, keyed by user.
The layout is detected from the content: ml-latest(-small) ratings.csv, ml-100k u.data
(or its u1.base..ub.test splits) and ml-1m/ml-10m ratings.dat. Brokers that do not answer stop
it within seconds. Then the whole file is checked: a line that is not a rating stops the load,
with its line number, before anything is published. A publish that fails part-way says how many
ratings the brokers had acknowledged.`,
  options: {
    topic: option.string('topic to publish to (default: KAFKA_RATINGS_TOPIC, "ratings")', {
      value: 'NAME',
      pattern: KAFKA_TOPIC_NAME,
    }),
    limit: option.int('publish only the first N ratings', { min: 1 }),
  },
  positionals: { names: 'one ratings file', min: 1, max: 1 },
  notes: `Environment: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_CLIENT_ID, KAFKA_TOPIC_* (see README).
The last line on stdout is a JSON summary.`,
});

command.run(
  async (args, [path]) => {
    const config = loadConfig(loaderEnvSchema, process.env);
    const file = path ?? '';
    const topic = args.topic ?? config.kafka.topics.rating;
    const kafka = createKafka(config.kafka, { failFast: true });
    // Before the file is read, which takes a while for a large one: brokers that do not answer
    // are reported within seconds.
    await checkBrokers(kafka, config.kafka);

    const checkBar = progressBar('check', ' bytes');
    checkBar.start(1, 0);
    const { ratings } = await countRatings(file, {
      onProgress: (bytesRead, bytes) => {
        checkBar.setTotal(bytes);
        checkBar.update(bytesRead);
      },
    }).finally(() => {
      checkBar.stop();
    });
    if (args.limit !== undefined && args.limit > ratings) {
      process.stderr.write(
        `--limit ${args.limit}: ${file} has ${ratings} ratings; publishing them all\n`,
      );
    }
    const toPublish = Math.min(ratings, args.limit ?? Infinity);

    await ensureTopics(kafka, [topic], config.kafka.topicLayout);
    const publisher = new EventPublisher(kafka, topic);
    await publisher.connect();

    const started = performance.now();
    const bar = progressBar('load', ' ratings');
    bar.start(toPublish, 0);
    try {
      const { format, published } = await publishRatingsFile(publisher, file, {
        limit: toPublish,
        onProgress: ({ published: done }) => {
          bar.update(done);
        },
      });
      bar.stop();
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${JSON.stringify({
          file,
          format,
          topic,
          published,
          seconds: Math.round(seconds * 1000) / 1000,
          eventsPerSec: Math.round(published / seconds),
        })}\n`,
      );
    } finally {
      bar.stop();
      await publisher.close();
    }
  },
  [MovieLensFileError, BrokersUnreachableError, PublishError, TopicCreationError],
);
