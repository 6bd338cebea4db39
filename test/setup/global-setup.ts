import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The lines of `stack.sh up` the tests take into their environment. */
const stackOutputs = new Set(['KAFKA_BROKERS', 'REDIS_URL', 'REDIS_CLUSTER']);

/**
 * Gives the integration tests a real Kafka broker and a real Redis server:
 * 1. KAFKA_BROKERS and REDIS_URL, when both are set, name servers to use as they are;
 * 2. otherwise, with a Docker engine, testcontainers starts a Kafka and a Redis container,
 *    unless KAFKA_NODES or REDIS_MODE asks for a cluster, which only the local stack starts;
 * 3. otherwise deploy/local/stack.sh starts (or reuses) a local broker and Redis, in the mode
 *    and on the ports its variables name (deploy/local/README.md).
 */
export default async function globalSetup(): Promise<void> {
  // Starts the name of every topic, consumer group and key prefix of this run (see
  // isolatedEnvironment); the global teardown removes them.
  process.env.TEST_NAMESPACE = `test-${randomUUID().slice(0, 8)}`;
  if (process.env.KAFKA_BROKERS && process.env.REDIS_URL) return;
  if (!wantsLocalCluster() && (await hasDockerEngine())) {
    await startContainers();
    return;
  }
  const output = execFileSync('bash', [join(__dirname, '../../deploy/local/stack.sh'), 'up'], {
    encoding: 'utf8',
    // stack.sh reads its mode and ports from here: KAFKA_NODES, REDIS_MODE, STACK_DIR, *_PORT.
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const line of output.split('\n')) {
    const [name, value] = line.trim().split('=', 2);
    if (name && stackOutputs.has(name) && value) process.env[name] = value;
  }
}

function wantsLocalCluster(): boolean {
  const { KAFKA_NODES: kafkaNodes = '1', REDIS_MODE: redisMode = 'standalone' } = process.env;
  return kafkaNodes !== '1' || redisMode !== 'standalone';
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
