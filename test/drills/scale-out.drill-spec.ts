import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { type Kafka, type Producer } from 'kafkajs';
import { freePort, ServiceProcess } from '@app/cli';
import { type IngestEvent } from '@app/events';
import { consumerGroupLag, createKafka, createProducer, ensureTopics } from '@app/kafka';
import {
  clusterNodes,
  departures,
  type Departures,
  generateEvents,
  GroupProgress,
  isolatedEnvironment,
  openStores,
  publishModel,
  seedNode,
  serviceEnvironment,
  stackNodes,
  stackUp,
  stateAsStored,
  type TestStores,
  toWire,
  waitFor,
} from '@app/testing';

/**
 * Failure drills on the real engines: a Redis Cluster of three primaries and three replicas and
 * a Kafka of three brokers, started by deploy/local/stack.sh (REDIS_MODE=cluster KAFKA_NODES=3;
 * `npm run test:cluster` sets both), with every service in its own process and nodes killed
 * while events stream in. Each drill ends with Redis equal to the from-scratch oracle, and
 * prints its figures as a JSON line (appended to $DRILL_REPORT when set), which
 * docs/operations.md ("Failure drills") tabulates.
 */

// A drill streams, breaks something, recovers and checks: longer than an integration test.
jest.setTimeout(300_000);

const PARTITIONS = 12;
const USERS = 400;
const CLUSTERS = [0, 1, 2];
/** Events stream in chunks at a steady pace: about 3,000 events a second for 10 s. */
const EVENTS = 30_000;
const CHUNK = 300;
const PACE_MS = 100;
/** A crashed ingest member's partitions move to the others after this long. */
const SESSION_TIMEOUT_MS = 10_000;

interface Drill {
  env: ReturnType<typeof isolatedEnvironment>;
  common: Record<string, string>;
  kafka: Kafka;
  stores: TestStores;
  version: number;
  events: IngestEvent[];
  topics: string[];
}

interface DrillFigures extends Departures {
  drill: string;
  events: number;
  /** The longest any partition with messages waiting made no progress after the fault. */
  longestStallSeconds: number;
  [detail: string]: unknown;
}

function report(figures: DrillFigures): void {
  const line = `${JSON.stringify(figures)}\n`;
  process.stdout.write(`drill: ${line}`);
  if (process.env.DRILL_REPORT) appendFileSync(process.env.DRILL_REPORT, line);
}

describe('failure drills on a Redis Cluster and three Kafka brokers', () => {
  const services: ServiceProcess[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const kafkaNodes = (await stackNodes()).filter(({ name }) => name.startsWith('kafka node'));
    if (process.env.REDIS_CLUSTER !== 'true' || kafkaNodes.length < 3) {
      throw new Error(
        'the drills run on REDIS_MODE=cluster KAFKA_NODES=3 (npm run test:cluster starts them)',
      );
    }
  });

  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    for (const close of closers.splice(0).reverse()) await close();
    // Whatever a drill killed is back, and the stack healthy, before the next one.
    await stackUp();
  });

  async function prepare(): Promise<Drill> {
    const env = isolatedEnvironment();
    env.kafka.topicLayout = { partitions: PARTITIONS, replicationFactor: -1 };
    const kafka = createKafka(env.kafka);
    const topics = Object.values(env.kafka.topics);
    await ensureTopics(kafka, topics, env.kafka.topicLayout);
    const stores = openStores(env.redis);
    closers.push(() => stores.close());
    const assignments = new Map<number, number>();
    // Every fifth user is new to the model: ingestion places them.
    for (let userId = 1; userId <= USERS; userId++) {
      if (userId % 5 !== 0) assignments.set(userId, userId % CLUSTERS.length);
    }
    const version = await publishModel(stores, { clusters: CLUSTERS.length, assignments });
    return {
      env,
      kafka,
      stores,
      version,
      topics,
      common: {
        ...serviceEnvironment(env),
        REDIS_REPLICA_ACKS: '1',
        INGEST_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      },
      events: generateEvents(EVENTS, { seed: 97, users: USERS, movies: 150 }),
    };
  }

  async function startService(
    app: 'ingest' | 'query' | 'recluster',
    env: Record<string, string>,
  ): Promise<{ service: ServiceProcess; url: string }> {
    const port = await freePort();
    const ports: Record<string, string> =
      app === 'ingest'
        ? { INGEST_PORT: String(port) }
        : app === 'recluster'
          ? { RECLUSTER_PORT: String(port) }
          : {
              QUERY_PORT: String(port),
              QUERY_RPC_PORT: String(await freePort()),
              QUERY_RPC_HOST: '127.0.0.1',
            };
    const service = ServiceProcess.start(app, { ...env, ...ports });
    services.push(service);
    await service.waitForLog(app === 'query' ? /HTTP on port/ : /listening on port/);
    return { service, url: `http://127.0.0.1:${port}` };
  }

  async function connectProducer(kafka: Kafka): Promise<Producer> {
    const producer = createProducer(kafka);
    await producer.connect();
    closers.push(() => producer.disconnect());
    return producer;
  }

  /**
   * Publishes the drill's events chunk by chunk at a steady pace, running each fault once that
   * share of the events was sent; resolves when every event and every fault is done.
   */
  async function stream(
    drill: Drill,
    faults: { at: number; run: () => Promise<void> }[],
    { paceMs = PACE_MS } = {},
  ): Promise<void> {
    const producer = await connectProducer(drill.kafka);
    const { rating, favourite } = drill.env.kafka.topics;
    const running: Promise<void>[] = [];
    const pending = [...faults].sort((a, b) => a.at - b.at);
    for (let sent = 0; sent < drill.events.length; sent += CHUNK) {
      while (pending[0] !== undefined && sent >= pending[0].at * drill.events.length) {
        running.push(pending.shift()!.run());
      }
      const chunk = drill.events.slice(sent, sent + CHUNK);
      const paced = sleep(paceMs);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          { topic: rating, kind: 'rating' as const },
          { topic: favourite, kind: 'favourite' as const },
        ].map(({ topic, kind }) => ({
          topic,
          messages: chunk
            .filter((e) => e.kind === kind)
            .map((e) => ({ key: String(e.userId), value: toWire(e) })),
        })),
      });
      await paced;
    }
    await Promise.all(running);
  }

  /**
   * Waits for the group to commit everything, then compares Redis with the oracle: the figures
   * of the drill, and both states for the test to compare whole.
   */
  async function settle(drill: Drill, progress: GroupProgress) {
    await waitFor(
      async () =>
        (await consumerGroupLag(drill.kafka, drill.env.groupId, drill.topics)) === 0
          ? true
          : undefined,
      { timeoutMs: 180_000, intervalMs: 500, what: 'every event committed' },
    );
    const { longestStallMs, longestUnobservedMs } = await progress.stop();
    const stored = await stateAsStored(drill.stores, drill.version, drill.events, CLUSTERS);
    const figures = {
      ...departures(stored.expected, stored.actual),
      inKafka: await messagesIn(drill.kafka, drill.topics),
      longestStallSeconds: longestStallMs / 1000,
      unobservedSeconds: longestUnobservedMs / 1000,
    };
    return { figures, stored };
  }

  const watch = async (drill: Drill): Promise<GroupProgress> => {
    const progress = await GroupProgress.start(drill.kafka, drill.env.groupId, drill.topics);
    closers.push(() => progress.stop());
    return progress;
  };

  it('loses nothing when an ingest member is SIGKILLed and another joins', async () => {
    const drill = await prepare();
    const members = await Promise.all([0, 1, 2].map(() => startService('ingest', drill.common)));
    const progress = await watch(drill);

    await stream(drill, [
      {
        at: 1 / 3,
        run: async () => {
          members[1]!.service.signal('SIGKILL');
          progress.fault();
          await startService('ingest', drill.common);
        },
      },
    ]);
    const { figures, stored } = await settle(drill, progress);

    report({ drill: 'ingest member SIGKILL', events: drill.events.length, ...figures });
    expect(figures).toMatchObject({ lost: 0, overCounted: 0, underCounted: 0 });
    expect(stored.actual).toEqual(stored.expected);
    // Its partitions waited for the group to give up on it, and not much longer.
    expect(figures.longestStallSeconds).toBeLessThan((SESSION_TIMEOUT_MS + 20_000) / 1000);
  });

  it('loses nothing when a Redis primary is killed and its replica takes over', async () => {
    const drill = await prepare();
    await Promise.all([0, 1].map(() => startService('ingest', drill.common)));
    const progress = await watch(drill);
    let failover: { seconds: number; primary: string } | undefined;

    await stream(drill, [
      {
        at: 1 / 3,
        run: async () => {
          const primary = await killRedisPrimary(drill.env.redis.url);
          progress.fault();
          failover = { primary: primary.address, seconds: await untilFailedOver(primary) };
          // The killed node returns as its replica's replica: until then, with
          // REDIS_REPLICA_ACKS=1, batches writing to the new primary wait and are retried.
          await stackUp();
          await untilClusterAgrees(drill.env.redis.url);
        },
      },
    ]);
    const { figures, stored } = await settle(drill, progress);

    report({
      drill: 'Redis primary kill -9',
      events: drill.events.length,
      ...figures,
      failoverSeconds: failover?.seconds,
    });
    expect(figures).toMatchObject({ lost: 0, overCounted: 0, underCounted: 0 });
    expect(stored.actual).toEqual(stored.expected);
    expect(failover?.seconds).toBeGreaterThan(0);
  });

  it('loses nothing when a Kafka broker is killed: publishing and consuming go on', async () => {
    const drill = await prepare();
    await Promise.all([0, 1].map(() => startService('ingest', drill.common)));
    const progress = await watch(drill);
    const broker = (await stackNodes()).find(({ name }) => name === 'kafka node-2');
    expect(broker?.pid).toBeDefined();

    await stream(drill, [
      {
        at: 1 / 3,
        run: () => {
          process.kill(broker!.pid!, 'SIGKILL');
          progress.fault();
          return Promise.resolve();
        },
      },
    ]);
    const { figures, stored } = await settle(drill, progress);

    report({ drill: 'Kafka broker kill -9', events: drill.events.length, ...figures });
    expect(figures).toMatchObject({ lost: 0, overCounted: 0, underCounted: 0 });
    expect(stored.actual).toEqual(stored.expected);
  });

  it('answers every query and loses nothing while slots move between primaries', async () => {
    const drill = await prepare();
    await Promise.all([0, 1].map(() => startService('ingest', drill.common)));
    const query = await startService('query', { ...drill.common, QUERY_REFRESH_MS: '500' });
    const progress = await watch(drill);
    const answers = new Map<number, number>();
    const querying = new AbortController();
    const queries = Promise.all(
      [0, 1, 2, 3].map(async (loop) => {
        for (let i = 0; !querying.signal.aborted; i++) {
          const userId = ((loop * 7_919 + i * 104_729) % USERS) + 1;
          const response = await fetch(`${query.url}/v1/users/${userId}/recommendations?limit=10`);
          await response.arrayBuffer();
          answers.set(response.status, (answers.get(response.status) ?? 0) + 1);
        }
      }),
    );
    let moved = 0;

    try {
      await stream(drill, [
        {
          at: 1 / 5,
          run: async () => {
            progress.fault();
            // 1,000 slots from one primary to another and back, each while events stream in.
            const [from, to] = await primaries(drill.env.redis.url);
            moved += await reshard(from!, to!, 1_000);
            moved += await reshard(to!, from!, 1_000);
          },
        },
      ]);
    } finally {
      querying.abort();
      await queries;
    }
    const { figures, stored } = await settle(drill, progress);

    const failed = [...answers].filter(([status]) => status !== 200).reduce((n, [, c]) => n + c, 0);
    report({
      drill: 'slots resharded twice',
      events: drill.events.length,
      ...figures,
      slotsMoved: moved,
      queries: [...answers.values()].reduce((n, c) => n + c, 0),
      queryErrors: failed,
    });
    expect(figures).toMatchObject({ lost: 0, overCounted: 0, underCounted: 0 });
    expect(stored.actual).toEqual(stored.expected);
    expect(moved).toBe(2_000);
    expect(Object.fromEntries(answers)).toEqual({ 200: expect.any(Number) as unknown });
  });

  it('publishes one model per interval from two recluster replicas, served by three query replicas within their refresh', async () => {
    const drill = await prepare();
    const intervalMs = 6_000;
    const refreshMs = 1_000;
    await startService('ingest', drill.common);
    const reclusters = await Promise.all(
      [0, 1].map(() =>
        startService('recluster', {
          ...drill.common,
          RECLUSTER_K: '3',
          RECLUSTER_MIN_CLUSTER_SIZE: '2',
          RECLUSTER_INTERVAL_MS: String(intervalMs),
          RECLUSTER_AFTER_EVENTS: '1000000000',
          RECLUSTER_POLL_MS: '250',
          RECLUSTER_KEEP_VERSIONS: '50',
        }),
      ),
    );
    const queries = await Promise.all(
      [0, 1, 2].map(() =>
        startService('query', { ...drill.common, QUERY_REFRESH_MS: String(refreshMs) }),
      ),
    );
    const progress = await watch(drill);
    const published = new Map<number, number>();
    const served = new Map<number, number[]>();
    const watching = new AbortController();
    const watcher = (async () => {
      while (!watching.signal.aborted) {
        const version = await drill.stores.models.currentVersion();
        if (version !== undefined && version > drill.version && !published.has(version)) {
          published.set(version, Date.now());
        }
        await sleep(50);
      }
    })();
    // Each query replica, polled: when it first answers from each new model.
    const pollers = queries.map(async ({ url }, replica) => {
      while (!watching.signal.aborted) {
        const response = await fetch(`${url}/v1/users/1/recommendations?limit=1`);
        const { modelVersion } = (await response.json()) as { modelVersion: number | null };
        if (modelVersion !== null && published.has(modelVersion)) {
          const seen = served.get(modelVersion) ?? [];
          if (seen[replica] === undefined)
            seen[replica] = Date.now() - published.get(modelVersion)!;
          served.set(modelVersion, seen);
        }
        await sleep(50);
      }
    });

    const started = Date.now();
    // Slower, so that events stream in for more than three intervals: 30,000 in 20 s.
    await stream(drill, [], { paceMs: 200 });
    await sleep(Math.max(0, started + 3.5 * intervalMs - Date.now()));
    for (const { service } of reclusters) await service.stop();
    // No model is published any more: the watch ends once every replica serves every model it
    // saw published (how soon is the lag asserted below), or fails if one never does.
    const servedByAll = (version: number) =>
      served.get(version)?.filter((lag) => lag >= 0).length === 3;
    await waitFor(
      async () => {
        const last = await drill.stores.models.currentVersion();
        const all = published.has(last!) && [...published.keys()].every(servedByAll);
        return all ? true : undefined;
      },
      { what: 'every replica to serve every published model', timeoutMs: 30_000 },
    ).finally(() => {
      watching.abort();
    });
    await Promise.all([watcher, ...pollers]);
    // What the replicas published, from the store, and who ran each model, from their logs.
    const history = (await drill.stores.models.history())
      .filter(({ version }) => version > drill.version)
      .sort((a, b) => a.version - b.version);
    const versions = history.map(({ version }) => version);
    // When each run started: the schedule spaces the runs' starts, not their ends, which move
    // with how long each build takes.
    const startedAt = history.map(
      ({ description }) => Date.parse(description!.builtAt) - description!.buildSeconds * 1000,
    );
    const gaps = startedAt.slice(1).map((at, i) => at - startedAt[i]!);
    const runs = reclusters.map(({ service }) =>
      [...service.logs.matchAll(/\bpublished model (\d+):/g)].map(([, version]) => Number(version)),
    );
    const lags = [...served.values()].flat();
    const { figures, stored } = await settle({ ...drill, version: versions.at(-1)! }, progress);

    report({
      drill: 'two recluster and three query replicas under live ingestion',
      events: drill.events.length,
      ...figures,
      models: versions.length,
      runsPerReplica: runs.map((published) => published.length),
      shortestGapSeconds: Math.min(...gaps) / 1000,
      longestServeLagSeconds: Math.max(...lags) / 1000,
    });
    expect(versions.length).toBeGreaterThanOrEqual(3);
    // Consecutive versions, each from one run of one replica, none sooner than the interval.
    expect(versions).toEqual(versions.map((_, i) => versions[0]! + i));
    expect(runs.flat().sort((a, b) => a - b)).toEqual(versions);
    expect(Math.min(...gaps)).toBeGreaterThan(intervalMs * 0.9);
    // Every replica served every model it saw published within its refresh interval, give or
    // take a second for reading the model and for the polls' own pace on a busy machine.
    expect([...published.keys()].filter((version) => !servedByAll(version))).toEqual([]);
    expect(Math.max(...lags)).toBeLessThan(refreshMs + 1_000);
    expect(figures).toMatchObject({ lost: 0, overCounted: 0, underCounted: 0 });
    expect(stored.actual).toEqual(stored.expected);
  });
});

/** Kills the primary that holds the first slots, at once; returns its address. */
async function killRedisPrimary(url: string): Promise<{ address: string; id: string }> {
  const [primary] = await primaries(url);
  const node = new Redis({ host: primary!.host, port: primary!.port });
  try {
    const pid = /process_id:(\d+)/.exec(await node.info('server'))?.[1];
    process.kill(Number(pid), 'SIGKILL');
  } finally {
    node.disconnect();
  }
  return { address: `${primary!.host}:${primary!.port}`, id: primary!.id };
}

/** Seconds until another node serves the killed primary's slots, with the cluster healthy. */
async function untilFailedOver(killed: { address: string; id: string }): Promise<number> {
  const started = Date.now();
  const survivors = (await stackNodes()).filter(
    ({ name, address }) => name === 'redis node' && address !== killed.address,
  );
  await waitFor(
    async () => {
      const node = new Redis(`redis://${survivors[0]!.address}`, { lazyConnect: true });
      try {
        await node.connect();
        const info = (await node.call('CLUSTER', 'INFO')) as string;
        const listing = (await node.call('CLUSTER', 'NODES')) as string;
        const flags = listing
          .split('\n')
          .find((line) => line.startsWith(killed.id))
          ?.split(' ')[2]
          ?.split(',');
        const failed = flags?.includes('fail') === true;
        return /cluster_state:ok/.test(info) && failed ? true : undefined;
      } catch {
        return undefined;
      } finally {
        node.disconnect();
      }
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'a replica to take over the killed primary' },
  );
  return (Date.now() - started) / 1000;
}

/** The cluster's primaries, the first of them holding slot 0. */
async function primaries(url: string) {
  const seed = seedNode(url);
  try {
    await seed.connect();
    const slots = (await seed.call('CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number, string],
    ][];
    const found = await clusterNodes(seed, 'primaries');
    const first = slots.find(([start]) => start === 0)?.[2][2];
    return found.sort((a, b) => Number(b.id === first) - Number(a.id === first));
  } finally {
    seed.disconnect();
  }
}

/**
 * Waits until every node agrees on who serves which slot, as `redis-cli --cluster check` sees
 * it: after a failover, a returning node takes a while to learn its new place, and redis-cli
 * refuses to reshard until it has.
 */
async function untilClusterAgrees(url: string): Promise<void> {
  const seed = url.split(',')[0]!.replace(/^redis:\/\//, '');
  await waitFor(
    () =>
      promisify(execFile)('redis-cli', ['--cluster', 'check', seed]).then(
        ({ stdout }) => (/\[(ERR|WARNING)\]/.test(stdout) ? undefined : true),
        () => undefined,
      ),
    { timeoutMs: 60_000, intervalMs: 500, what: 'the Redis Cluster nodes to agree on their slots' },
  );
}

/** Moves slots between primaries with redis-cli, as an operator does; returns how many moved. */
async function reshard(
  from: { id: string; host: string; port: number },
  to: { id: string },
  slots: number,
): Promise<number> {
  await untilClusterAgrees(`${from.host}:${from.port}`);
  const { stdout } = await promisify(execFile)(
    'redis-cli',
    [
      '--cluster',
      'reshard',
      `${from.host}:${from.port}`,
      '--cluster-from',
      from.id,
      '--cluster-to',
      to.id,
      '--cluster-slots',
      String(slots),
      '--cluster-yes',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return (stdout.match(/^Moving slot \d+ from/gm) ?? []).length;
}

/** Messages the topics hold (every drill's topics are new, so their offsets start at 0). */
async function messagesIn(kafka: Kafka, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let messages = 0;
    for (const topic of topics) {
      for (const { high, low } of await admin.fetchTopicOffsets(topic)) {
        messages += Number(high) - Number(low);
      }
    }
    return messages;
  } finally {
    await admin.disconnect();
  }
}
