import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { seededRandom } from '@app/clustering';
import { envInt, kafkaEnvSchema, loadConfig, toKafkaConfig } from '@app/config';
import { createKafka, EventPublisher } from '@app/kafka';

/**
 * Part of `npm run bench:query --ingest-rate`, started by it as a process of its own so that
 * publishing does not share the load generator's event loop: publishes STREAM_RATE rating events
 * a second to KAFKA_RATINGS_TOPIC until SIGTERM, each a re-rating, later than any before, of a
 * movie by a user of the JSON file STREAM_IDS ({"userIds": [...], "movieIds": [...]}). Prints
 * "publishing" once connected.
 */
const config = loadConfig(
  kafkaEnvSchema
    .extend({ STREAM_RATE: envInt(1_000, { min: 1 }), STREAM_IDS: z.string().min(1) })
    .transform((env, ctx) => ({
      kafka: toKafkaConfig(env, ctx),
      rate: env.STREAM_RATE,
      ids: z
        .object({ userIds: z.array(z.number()).min(1), movieIds: z.array(z.number()).min(1) })
        .parse(JSON.parse(readFileSync(env.STREAM_IDS, 'utf8'))),
    })),
  process.env,
);

async function main(): Promise<void> {
  const publisher = new EventPublisher(
    createKafka(config.kafka),
    config.kafka.topics.rating,
    1_000,
  );
  await publisher.connect();
  const random = seededRandom(7);
  const pick = (values: readonly number[]): number =>
    values[Math.floor(random() * values.length)] ?? 0;
  const stopping = new AbortController();
  process.once('SIGTERM', () => {
    stopping.abort();
  });
  process.stdout.write('publishing\n');
  const tick = 100;
  let timestamp = 2_000_000_000;
  for (let next = performance.now(); !stopping.signal.aborted; next += tick) {
    for (let i = 0; i < (config.rate * tick) / 1000; i++) {
      const userId = pick(config.ids.userIds);
      await publisher.publish(userId, {
        userId,
        movieId: pick(config.ids.movieIds),
        rating: (1 + Math.floor(random() * 10)) / 2,
        timestamp: timestamp++,
      });
    }
    await publisher.flush();
    await sleep(Math.max(0, next + tick - performance.now()));
  }
  await publisher.close();
}

void main().catch((error: unknown) => {
  process.stderr.write(`rating stream: ${String(error)}\n`);
  process.exit(1);
});
