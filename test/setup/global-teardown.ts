import { Kafka, logLevel } from 'kafkajs';
// eslint-disable-next-line no-restricted-imports -- Jest maps no @app aliases for a global teardown
import { unlinkMatching } from '../../libs/testing/src/redis-nodes';

/**
 * Removes the topics, consumer groups and Redis keys this run's tests made, then stops the
 * containers the global setup started; a local stack is left running for the next run.
 */
export default async function globalTeardown(): Promise<void> {
  const { TEST_NAMESPACE: namespace, KAFKA_BROKERS: brokers, REDIS_URL: redisUrl } = process.env;
  if (namespace && brokers && redisUrl) {
    // Best effort: what is left is named by the run, and harms nothing but disk space.
    const warn = (what: string) => (error: unknown) => {
      process.stderr.write(`teardown: could not remove this run's ${what}: ${String(error)}\n`);
    };
    await Promise.all([
      removeKafkaNamespace(brokers, namespace).catch(warn('topics and consumer groups')),
      removeKeys(redisUrl, namespace).catch(warn('Redis keys')),
    ]);
  }
  const containers = (globalThis as { __containers__?: { stop(): Promise<unknown> }[] })
    .__containers__;
  await Promise.all((containers ?? []).map((container) => container.stop()));
}

async function removeKafkaNamespace(brokers: string, namespace: string): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.includes(namespace));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((groupId) => groupId.includes(namespace));
    if (groups.length > 0) await admin.deleteGroups(groups);
  } finally {
    await admin.disconnect();
  }
}

function removeKeys(url: string, namespace: string): Promise<void> {
  return unlinkMatching(url, process.env.REDIS_CLUSTER === 'true', `${namespace}-*`);
}
