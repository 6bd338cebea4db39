import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Gives the integration tests a real Kafka broker and a real Redis server:
 * 1. KAFKA_BROKERS and REDIS_URL, when both are set, name servers to use as they are;
 * 2. otherwise, with a Docker engine, testcontainers starts a Kafka and a Redis container;
 * 3. otherwise deploy/local/stack.sh starts (or reuses) a local broker and Redis.
 */
export default async function globalSetup(): Promise<void> {
  // Starts the name of every topic, consumer group and key prefix of this run (see
  // isolatedEnvironment); the global teardown removes them.
  process.env.TEST_NAMESPACE = `test-${randomUUID().slice(0, 8)}`;
  if (process.env.KAFKA_BROKERS && process.env.REDIS_URL) return;
  if (await hasDockerEngine()) {
    await startContainers();
    return;
  }
  const output = execFileSync('bash', [join(__dirname, '../../deploy/local/stack.sh'), 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const line of output.split('\n')) {
    const [name, value] = line.trim().split('=', 2);
    if ((name === 'KAFKA_BROKERS' || name === 'REDIS_URL') && value) process.env[name] = value;
  }
}

async function hasDockerEngine(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    // No engine answers behind the socket: fall back to local servers.
    return false;
  }
}

async function startContainers(): Promise<void> {
  const [{ KafkaContainer }, { RedisContainer }] = await Promise.all([
    import('@testcontainers/kafka'),
    import('@testcontainers/redis'),
  ]);
  const [kafka, redis] = await Promise.all([
    new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start(),
    new RedisContainer('redis:7.4-alpine').start(),
  ]);
  process.env.KAFKA_BROKERS = `${kafka.getHost()}:${kafka.getMappedPort(9093)}`;
  process.env.REDIS_URL = redis.getConnectionUrl();
  (globalThis as { __containers__?: { stop(): Promise<unknown> }[] }).__containers__ = [
    kafka,
    redis,
  ];
}
