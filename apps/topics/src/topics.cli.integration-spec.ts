import { join } from 'node:path';
import { ConfigResourceTypes } from 'kafkajs';
import { deadLetterTopic } from '@app/events';
import { createKafka } from '@app/kafka';
import { isolatedEnvironment, runCliSource, serviceEnvironment } from '@app/testing';

const MAIN = join(__dirname, 'main.ts');

describe('npm run topics', () => {
  it('creates the event topics, the compacted movies topic and their dead-letter topics', async () => {
    const env = isolatedEnvironment();
    const { rating, favourite, feedback } = env.kafka.topics;
    const topics = [rating, favourite, feedback, env.kafka.moviesTopic];

    const sut = await runCliSource(MAIN, [], serviceEnvironment(env));

    expect(sut.code).toBe(0);
    const result = JSON.parse(sut.stdout.trim().split('\n').at(-1) ?? '{}') as {
      created: string[];
    };
    expect(result.created.sort()).toEqual([...topics, ...topics.map(deadLetterTopic)].sort());
    const admin = createKafka(env.kafka).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [env.kafka.moviesTopic, feedback].map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['cleanup.policy'],
        })),
      });
      const policies = resources.map(
        (r) => [r.resourceName, r.configEntries[0]?.configValue] as const,
      );
      expect(new Map(policies)).toEqual(
        new Map([
          [env.kafka.moviesTopic, 'compact'],
          [feedback, 'delete'],
        ]),
      );
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
