import { type Kafka } from 'kafkajs';
import { Command, option, progressBar } from '@app/cli';
import { type KafkaConfig, KAFKA_TOPIC_NAME, loadConfig } from '@app/config';
import { publishFeedback, publishMovies, publishRatingsFile } from '@app/ingest';
import {
  BrokersUnreachableError,
  checkBrokers,
  createKafka,
  ensureTopics,
  EventPublisher,
  PublishError,
  TopicCreationError,
} from '@app/kafka';
import {
  countRatings,
  detectFileKind,
  MOVIELENS_FILE_KINDS,
  MovieLensFileError,
  type MovieLensFileKind,
  readFeedback,
  readMovies,
} from '@app/movielens';
import { loaderEnvSchema } from './loader.config';

const command = new Command({
  synopsis: 'npm run load -- <file> [--kind ratings|movies|feedback] [--topic NAME] [--limit N]',
  summary: `Publishes a file to Kafka. What the file holds (--kind) is told from its first line
unless given:
- ratings: one rating event per line, keyed by user, to KAFKA_RATINGS_TOPIC ("ratings"). The
  layout is detected from the content: ml-latest(-small) ratings.csv, ml-100k u.data (or its
  u1.base..ub.test splits) and ml-1m/ml-10m ratings.dat.
- movies: the catalogue, one movie event per movie (movieId, title, genres, year), keyed by the
  movie id, to the compacted KAFKA_MOVIES_TOPIC ("movies"), which ingestion writes to Redis and
  the query service names movies from. From ml-latest movies.csv (a header naming "title"),
  ml-100k u.item ("|" fields) or ml-1m movies.dat (three "::" fields). The title is kept as the
  file gives it, "Toy Story (1995)"; the year is u.item's release year, else the title's trailing
  "(1995)", else null. Publishing a movie again replaces its entry.
- feedback: a CSV "userId,movieId,kind,timestamp[,eventId]" (a header naming "kind", or a kind in
  the third field), kind one of favourite-removed, disliked, watched; one feedback event per line,
  keyed by user, to KAFKA_FEEDBACK_TOPIC ("feedback").
Brokers that do not answer stop it within seconds. Then the whole file is checked: a line that
is not a valid event stops the load, with its line number, before anything is published. A
publish that fails part-way says how many events the brokers had acknowledged.`,
  options: {
    kind: option.choice(
      MOVIELENS_FILE_KINDS,
      'what the file holds (default: told from its first line)',
    ),
    topic: option.string("topic to publish to (default: the kind's KAFKA_*_TOPIC)", {
      value: 'NAME',
      pattern: KAFKA_TOPIC_NAME,
    }),
    limit: option.int('publish only the first N events', { min: 1 }),
  },
  positionals: { names: 'one ratings, movies or feedback file', min: 1, max: 1 },
  notes: `Environment: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_CLIENT_ID, KAFKA_TOPIC_* and
KAFKA_*_TOPIC (see README).
The last line on stdout is a JSON summary.`,
});

/** What one load publishes, and how many of it the file holds: checked before any publishing. */
interface Load {
  /** The events' name in messages: "ratings", "movies", "feedback events". */
  noun: string;
  count: number;
  format?: string;
  /** The topic keeps the latest event of each key (the catalogue's), even when named by --topic. */
  compacted: boolean;
  publish: (
    publisher: EventPublisher,
    limit: number,
    onProgress: (done: number) => void,
  ) => Promise<number>;
}

command.run(
  async (args, [path]) => {
    const config = loadConfig(loaderEnvSchema, process.env);
    const file = path ?? '';
    const kind = args.kind ?? (await detectFileKind(file));
    const topic = args.topic ?? topicOf(kind, config.kafka);
    const kafka = createKafka(config.kafka, { failFast: true });
    // Before the file is read, which takes a while for a large one: brokers that do not answer
    // are reported within seconds.
    await checkBrokers(kafka, config.kafka);

    const load = await check(kind, file);
    if (args.limit !== undefined && args.limit > load.count) {
      process.stderr.write(
        `--limit ${args.limit}: ${file} has ${load.count} ${load.noun}; publishing them all\n`,
      );
    }
    const toPublish = Math.min(load.count, args.limit ?? Infinity);
    const { published, seconds } = await publish(kafka, config.kafka, topic, load, toPublish);
    process.stdout.write(
      `${JSON.stringify({
        file,
        kind,
        ...(load.format === undefined ? {} : { format: load.format }),
        topic,
        published,
        seconds: Math.round(seconds * 1000) / 1000,
        eventsPerSec: Math.round(published / seconds),
      })}\n`,
    );
  },
  [MovieLensFileError, BrokersUnreachableError, PublishError, TopicCreationError],
);

function topicOf(kind: MovieLensFileKind, kafka: KafkaConfig): string {
  switch (kind) {
    case 'ratings':
      return kafka.topics.rating;
    case 'movies':
      return kafka.moviesTopic;
    case 'feedback':
      return kafka.topics.feedback;
    default: {
      const unknown: never = kind;
      throw new Error(`no topic for ${String(unknown)}`);
    }
  }
}

/** Reads the whole file, checking every line: a MovieLensFileError names the first bad one. */
async function check(kind: MovieLensFileKind, file: string): Promise<Load> {
  switch (kind) {
    case 'ratings': {
      const checkBar = progressBar('check', ' bytes');
      checkBar.start(1, 0);
      const { format, ratings } = await countRatings(file, {
        onProgress: (bytesRead, bytes) => {
          checkBar.setTotal(bytes);
          checkBar.update(bytesRead);
        },
      }).finally(() => {
        checkBar.stop();
      });
      return {
        noun: 'ratings',
        count: ratings,
        compacted: false,
        format,
        publish: async (publisher, limit, onProgress) =>
          (
            await publishRatingsFile(publisher, file, {
              limit,
              onProgress: ({ published }) => {
                onProgress(published);
              },
            })
          ).published,
      };
    }
    case 'movies': {
      const movies = await readMovies(file);
      return {
        noun: 'movies',
        count: movies.length,
        compacted: true,
        publish: async (publisher, limit) =>
          (await publishMovies(publisher, movies.slice(0, limit))).published,
      };
    }
    case 'feedback': {
      const events = await readFeedback(file);
      return {
        noun: 'feedback events',
        count: events.length,
        compacted: false,
        publish: async (publisher, limit) =>
          (await publishFeedback(publisher, events.slice(0, limit))).published,
      };
    }
    default: {
      const unknown: never = kind;
      throw new Error(`no reader for ${String(unknown)}`);
    }
  }
}

async function publish(
  kafka: Kafka,
  config: KafkaConfig,
  topic: string,
  load: Load,
  toPublish: number,
): Promise<{ published: number; seconds: number }> {
  const { topicLayout } = config;
  await ensureTopics(
    kafka,
    [topic],
    load.compacted
      ? { ...topicLayout, compacted: [...(topicLayout.compacted ?? []), topic] }
      : topicLayout,
  );
  const publisher = new EventPublisher(kafka, topic);
  await publisher.connect();
  const started = performance.now();
  const bar = progressBar('load', ` ${load.noun}`);
  bar.start(toPublish, 0);
  try {
    const published = await load.publish(publisher, toPublish, (done) => {
      bar.update(done);
    });
    bar.update(published);
    return { published, seconds: (performance.now() - started) / 1000 };
  } finally {
    bar.stop();
    await publisher.close();
  }
}
