import { Command } from '@app/cli';
import { loadConfig } from '@app/config';
import { deadLetterTopic } from '@app/events';
import {
  BrokersUnreachableError,
  checkBrokers,
  createKafka,
  ensureTopics,
  TopicCreationError,
} from '@app/kafka';
import { topicsEnvSchema } from './topics.config';

const command = new Command({
  synopsis: 'npm run topics',
  summary: `Creates the topics the services use, with the same code the services use: the event topics
(ratings, favourites, feedback), the compacted catalogue topic (movies, cleanup.policy=compact)
and their dead-letter topics (<topic>.dlq), KAFKA_TOPIC_PARTITIONS partitions each, replicated
KAFKA_TOPIC_REPLICATION_FACTOR times with KAFKA_TOPIC_MIN_INSYNC_REPLICAS in sync. Topics that
exist are left as they are. The services create missing topics themselves; this runs first in
a deployment (the Kubernetes Job kafka-topics) so that they find them laid out as wanted.`,
  options: {},
  notes: `Environment: KAFKA_BROKERS, KAFKA_SSL, KAFKA_SASL_*, KAFKA_*_TOPIC, KAFKA_TOPIC_* (see README).
The last stdout line is JSON {created: [...], existing: [...]}.`,
});

command.run(async () => {
  const config = loadConfig(topicsEnvSchema, process.env);
  const kafka = createKafka(config.kafka, { failFast: true });
  await checkBrokers(kafka, config.kafka);
  const topics = [...Object.values(config.kafka.topics), config.kafka.moviesTopic];
  const all = [...topics, ...topics.map(deadLetterTopic)];
  const created = await ensureTopics(kafka, all, config.kafka.topicLayout);
  for (const topic of all) {
    process.stderr.write(`${created.includes(topic) ? 'created ' : 'exists  '} ${topic}\n`);
  }
  process.stdout.write(
    `${JSON.stringify({ created, existing: all.filter((t) => !created.includes(t)) })}\n`,
  );
}, [BrokersUnreachableError, TopicCreationError]);
