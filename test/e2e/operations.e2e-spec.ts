import { type Kafka, type Producer } from 'kafkajs';
import { freePort, ServiceProcess } from '@app/cli';
import { type IngestEvent } from '@app/events';
import { consumerGroupLag, createKafka, createProducer } from '@app/kafka';
import {
  applyToActiveModels,
  generateEvents,
  isolatedEnvironment,
  keysOf,
  lastJsonLine,
  type MetricSample,
  metricValue,
  openStores,
  parseMetrics,
  publishModel,
  rawRedis,
  redisOutage,
  runBuilt,
  serviceEnvironment,
  stateAsStored,
  toWire,
  waitFor,
} from '@app/testing';

/** A service's output, each line parsed as the JSON log line it must be. */
const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function scrape(url: string): Promise<MetricSample[]> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return parseMetrics(await response.text());
}

async function probe(url: string, path: '/health/live' | '/health/ready') {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The services' admin token, which the tests' recluster calls send. */
const ADMIN_TOKEN = 'operations-e2e-admin-token-0123456789';
const AS_ADMIN = { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

/** Node's process metrics, which every service exports besides its own. */
const PROCESS_SERIES = ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds'];

describe('operations', () => {
  const services: ServiceProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    for (const close of closers.splice(0)) await close();
  });

  /** Environment shared by every service of one test: its own topics, group and key prefix. */
  function stackEnvironment() {
    const env = isolatedEnvironment();
    const common = { ...serviceEnvironment(env), ADMIN_TOKEN };
    const kafka = createKafka(env.kafka);
    const stores = openStores(env.redis);
    closers.push(() => stores.close());
    const lag = () => consumerGroupLag(kafka, env.groupId, Object.values(env.kafka.topics));
    return { env, common, kafka, stores, lag };
  }

  async function startIngest(common: Record<string, string>, extra: Record<string, string> = {}) {
    const port = await freePort();
    const service = ServiceProcess.start('ingest', {
      ...common,
      ...extra,
      INGEST_PORT: String(port),
    });
    services.push(service);
    await service.waitForLog(/listening on port/);
    return { service, url: `http://127.0.0.1:${port}` };
  }

  async function connectProducer(kafka: Kafka): Promise<Producer> {
    const producer = createProducer(kafka);
    await producer.connect();
    closers.push(() => producer.disconnect());
    return producer;
  }

  const send = async (
    producer: Producer,
    topics: { rating: string; favourite: string },
    events: readonly IngestEvent[],
  ): Promise<void> => {
    await producer.sendBatch({
      acks: -1,
      topicMessages: (['rating', 'favourite'] as const).map((kind) => ({
        topic: topics[kind],
        messages: events
          .filter((e) => e.kind === kind)
          .map((e) => ({ key: String(e.userId), value: toWire(e) })),
      })),
    });
  };

  describe('ingest', () => {
    it('loses and duplicates nothing when SIGTERM arrives mid-stream, and exits cleanly within 30 s', async () => {
      const { env, common, kafka, stores, lag } = stackEnvironment();
      const users = 60;
      const clusters = [0, 1, 2];
      // Users of no cluster are placed by ingestion when first seen.
      const clusterOf = (userId: number) => (userId % 5 === 0 ? undefined : userId % 3);
      const assignments = new Map<number, number>();
      for (let userId = 1; userId <= users; userId++) {
        const cluster = clusterOf(userId);
        if (cluster !== undefined) assignments.set(userId, cluster);
      }
      const version = await publishModel(stores, { clusters: clusters.length, assignments });
      const events = generateEvents(4_000, { seed: 31, users, movies: 40 });
      const chunks = Array.from({ length: 40 }, (_, i) => events.slice(i * 100, (i + 1) * 100));
      const producer = await connectProducer(kafka);

      const first = await startIngest(common);
      // The first half streams while the service consumes; the second half arrives only after
      // the service has gone, so whatever the pace, SIGTERM leaves events behind.
      const sendAll = async (from: number, to: number) => {
        for (const chunk of chunks.slice(from, to)) await send(producer, env.kafka.topics, chunk);
      };
      const streaming = sendAll(0, chunks.length / 2);
      // SIGTERM while events still arrive and batches are being applied.
      await waitFor(
        async () =>
          (metricValue(await scrape(first.url), 'recommender_events_consumed_total') ?? 0) >=
          events.length / 5
            ? true
            : undefined,
        { intervalMs: 20, what: 'a fifth of the events consumed' },
      );
      const signalled = performance.now();
      const exit = await first.service.stop();
      const shutdownMs = performance.now() - signalled;
      await streaming;
      await sendAll(chunks.length / 2, chunks.length);

      expect([0, 'SIGTERM']).toContain(exit);
      expect(shutdownMs).toBeLessThan(30_000);
      expect(first.service.logs).toMatch(/left the consumer group/);
      const leftBehind = await lag();
      expect(leftBehind).toBeGreaterThan(0);
      expect(leftBehind).toBeLessThan(events.length);

      await startIngest(common);
      await waitFor(async () => ((await lag()) === 0 ? true : undefined), {
        what: 'the second service to commit everything',
      });

      const stored = await stateAsStored(stores, version, events, clusters);
      expect(stored.actual).toEqual(stored.expected);
      expect(stored.clusters.size).toBe(users);
    });

    it('answers liveness while Kafka cannot be reached, and says so through readiness', async () => {
      const { common } = stackEnvironment();
      const nowhere = `127.0.0.1:${await freePort()}`;

      const ingest = await startIngest(common, { KAFKA_BROKERS: nowhere });

      expect((await probe(ingest.url, '/health/live')).status).toBe(200);
      await waitFor(
        async () => {
          const ready = await probe(ingest.url, '/health/ready');
          return ready.status === 503 &&
            JSON.stringify(ready.body).includes(`waiting for Kafka (KAFKA_BROKERS=${nowhere})`)
            ? true
            : undefined;
        },
        { what: 'readiness to name the unreachable brokers', timeoutMs: 90_000 },
      );
      expect(ingest.service.exitCode).toBeNull();
    });

    it('turns readiness red when a partition makes no progress, though Redis answers', async () => {
      const { env, common, kafka } = stackEnvironment();
      const ingest = await startIngest(common, { INGEST_STALL_MS: '1000' });
      await ingest.service.waitForLog(/consuming/);
      // A malformed message whose dead-letter topic has gone: its batch cannot be handled.
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [`${env.kafka.topics.rating}.dlq`] });
      await admin.disconnect();
      const producer = await connectProducer(kafka);
      await producer.send({ topic: env.kafka.topics.rating, messages: [{ key: '1', value: '{' }] });

      await waitFor(
        async () => {
          const ready = await probe(ingest.url, '/health/ready');
          return ready.status === 503 && JSON.stringify(ready.body).includes('no progress on')
            ? ready
            : undefined;
        },
        { what: 'readiness to report the stalled partition', timeoutMs: 60_000 },
      );
      expect((await probe(ingest.url, '/health/live')).status).toBe(200);
    });

    it('answers its probes and counts what it consumed in /metrics', async () => {
      const { env, common, kafka, lag } = stackEnvironment();
      const events = generateEvents(500, { seed: 32, users: 20, movies: 30 });
      const ratings = events.filter((e) => e.kind === 'rating').length;
      const producer = await connectProducer(kafka);

      const ingest = await startIngest(common);
      await send(producer, env.kafka.topics, events);
      await producer.send({
        topic: env.kafka.topics.rating,
        messages: [
          { key: '1', value: 'not json{' },
          { key: '2', value: JSON.stringify({ userId: 2, movieId: 1, rating: 9, timestamp: 1 }) },
        ],
      });
      await waitFor(async () => ((await lag()) === 0 ? true : undefined), {
        what: 'every event committed',
      });

      expect((await probe(ingest.url, '/health/live')).status).toBe(200);
      const ready = await probe(ingest.url, '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        info: { kafka: { status: 'up' }, redis: { status: 'up' } },
      });
      // The lag comes with each batch and is re-read from the broker now and then: once every
      // offset is committed it reaches 0, at the latest at the next re-read.
      await waitFor(
        async () =>
          metricValue(await scrape(ingest.url), 'recommender_consumer_lag') === 0
            ? true
            : undefined,
        { what: 'the lag gauge to reach 0', timeoutMs: 30_000 },
      );
      const metrics = await scrape(ingest.url);
      // Every event counted, by topic; a batch handled again after a commit that failed (a
      // group coordinator that moved, on a Kafka cluster) counts again, so at least once.
      const consumed = 'recommender_events_consumed_total';
      expect(metricValue(metrics, consumed)).toBeGreaterThanOrEqual(events.length);
      expect(
        metricValue(metrics, consumed, { topic: env.kafka.topics.rating }),
      ).toBeGreaterThanOrEqual(ratings);
      expect(
        metricValue(metrics, consumed, { topic: env.kafka.topics.favourite }),
      ).toBeGreaterThanOrEqual(events.length - ratings);
      expect(
        metricValue(metrics, 'recommender_events_dead_lettered_total', {
          topic: env.kafka.topics.rating,
        }),
      ).toBeGreaterThanOrEqual(2);
      expect(metricValue(metrics, 'recommender_batch_duration_seconds_count')).toBeGreaterThan(0);
      const lags = metrics.filter((s) => s.name === 'recommender_consumer_lag');
      expect(lags.length).toBeGreaterThan(0);
      expect(
        lags.every((s) => s.labels.topic !== undefined && s.labels.partition !== undefined),
      ).toBe(true);
      expect(metricValue(metrics, 'recommender_consumer_lag')).toBe(0);
      expect(
        metricValue(metrics, 'recommender_http_request_duration_seconds_count', {
          method: 'GET',
          route: '/health/ready',
          status: '200',
        }),
      ).toBe(1);
      for (const series of PROCESS_SERIES) expect(metricValue(metrics, series)).toBeDefined();
      for (const line of jsonLines(ingest.service.logs)) {
        expect(line).toEqual(
          expect.objectContaining({
            time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
            level: expect.stringMatching(/^(fatal|error|warn|log|debug|verbose)$/) as unknown,
            message: expect.anything() as unknown,
          }),
        );
      }
    });
  });

  describe('recluster', () => {
    it('exports the current model and its runs, and is ready only while Redis answers', async () => {
      const { env, common, stores } = stackEnvironment();
      const outage = await redisOutage(env.redis);
      closers.push(() => outage.close());
      await applyToActiveModels(stores, generateEvents(1_500, { seed: 33, users: 30, movies: 25 }));
      const port = await freePort();
      const recluster = ServiceProcess.start('recluster', {
        ...common,
        REDIS_URL: outage.config.url,
        RECLUSTER_PORT: String(port),
        RECLUSTER_K: '3',
        RECLUSTER_MIN_CLUSTER_SIZE: '2',
        RECLUSTER_DEMOGRAPHIC_K: '2',
      });
      services.push(recluster);
      await recluster.waitForLog(/listening on port/);
      const url = `http://127.0.0.1:${port}`;

      const outcome = (await (await fetch(`${url}/v1/recluster`, AS_ADMIN)).json()) as {
        status: string;
        model: { inertia: number; sizes: number[]; users: number };
      };

      expect(outcome.status).toBe('published');
      const metrics = await scrape(url);
      expect(metricValue(metrics, 'recommender_recluster_duration_seconds_count')).toBe(1);
      expect(
        metricValue(metrics, 'recommender_models_published_total', { kind: 'recluster' }),
      ).toBe(1);
      expect(metricValue(metrics, 'recommender_model_inertia')).toBeCloseTo(
        outcome.model.inertia,
        6,
      );
      const sizes = metrics
        .filter((s) => s.name === 'recommender_cluster_size')
        .sort((a, b) => Number(a.labels.cluster) - Number(b.labels.cluster))
        .map((s) => s.value);
      expect(sizes).toEqual(outcome.model.sizes);
      expect(
        metricValue(metrics, 'recommender_http_request_duration_seconds_count', {
          method: 'POST',
          route: '/v1/recluster',
          status: '200',
        }),
      ).toBe(1);
      for (const series of PROCESS_SERIES) expect(metricValue(metrics, series)).toBeDefined();

      expect((await probe(url, '/health/ready')).status).toBe(200);
      await outage.begin();
      expect((await probe(url, '/health/ready')).status).toBe(503);
      expect((await probe(url, '/health/live')).status).toBe(200);
      await outage.end();
      await waitFor(
        async () => ((await probe(url, '/health/ready')).status === 200 ? true : undefined),
        { what: 'recluster to be ready again' },
      );
    });
  });

  describe('recluster leadership', () => {
    async function startRecluster(common: Record<string, string>, extra: Record<string, string>) {
      const port = await freePort();
      const service = ServiceProcess.start('recluster', {
        ...common,
        RECLUSTER_PORT: String(port),
        RECLUSTER_K: '3',
        RECLUSTER_MIN_CLUSTER_SIZE: '2',
        RECLUSTER_KEEP_VERSIONS: '20',
        ...extra,
      });
      services.push(service);
      await service.waitForLog(/listening on port/);
      return { service, url: `http://127.0.0.1:${port}` };
    }

    it('publishes one model per interval between two replicas', async () => {
      const { common, stores } = stackEnvironment();
      await applyToActiveModels(stores, generateEvents(600, { seed: 41, users: 30, movies: 20 }));
      const intervalMs = 4_000;
      const schedule = { RECLUSTER_INTERVAL_MS: String(intervalMs), RECLUSTER_POLL_MS: '200' };
      await Promise.all([startRecluster(common, schedule), startRecluster(common, schedule)]);
      const first = await waitFor(() => stores.models.currentVersion(), { what: 'a first model' });
      // When each run started: the schedule spaces the runs' starts, not their ends.
      const startedAt = async () =>
        (await stores.models.history()).map(
          ({ description }) => Date.parse(description!.builtAt) - description!.buildSeconds * 1000,
        );
      const started = (await startedAt())[0]!;

      // Three intervals from the first run: runs at 0, 1 and 2 intervals, the next at 3.
      await new Promise((resolve) => setTimeout(resolve, started + 2.6 * intervalMs - Date.now()));

      const history = await stores.models.history();
      expect(history.map(({ version }) => version)[0]).toBe(first);
      expect(history).toHaveLength(3);
      const times = await startedAt();
      for (let i = 1; i < times.length; i++) {
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 500);
      }
    });

    it('lets no replica frozen past its lock publish, and leaves nothing of its run', async () => {
      const { env, common, stores } = stackEnvironment();
      // Enough work that a run lasts a few seconds: many users, many k-means starts.
      await applyToActiveModels(
        stores,
        generateEvents(60_000, { seed: 42, users: 2_000, movies: 300 }),
      );
      const slow = { RECLUSTER_K: '20', RECLUSTER_RESTARTS: '30' };
      // The frozen replica's lock outlives it by a second; the other's, a run on a busy machine
      // (small runs cluster in-process, so a long one delays the renewal of its lock).
      const frozen = await startRecluster(common, { ...slow, RECLUSTER_LOCK_TTL_MS: '1000' });
      const other = await startRecluster(common, { ...slow, RECLUSTER_LOCK_TTL_MS: '120000' });

      const frozenRun = fetch(`${frozen.url}/v1/recluster`, AS_ADMIN);
      await frozen.service.waitForLog(/recluster run (\d+) started/);
      frozen.service.signal('SIGSTOP');
      const frozenVersion = Number(/recluster run (\d+) started/.exec(frozen.service.logs)?.[1]);
      const published = (await new Promise((resolve) => setTimeout(resolve, 1_500))
        .then(() => fetch(`${other.url}/v1/recluster`, AS_ADMIN))
        .then((response) => response.json())
        // Never left stopped: its pending request, and its shutdown, need it running.
        .finally(() => {
          frozen.service.signal('SIGCONT');
        })) as { status: string; version: number };
      expect(published).toMatchObject({ status: 'published' });

      const answer = await frozenRun;
      expect(answer.status).toBe(409);
      expect(((await answer.json()) as { message: string }).message).toMatch(/lock was lost/);
      expect(await stores.models.currentVersion()).toBe(published.version);
      expect((await stores.models.history()).map(({ version }) => version)).toEqual([
        published.version,
      ]);
      expect(await keysOf(env.redis, `{m:${frozenVersion}}:*`)).toEqual([]);
      expect(await keysOf(env.redis, `{c:${frozenVersion}:*`)).toEqual([]);
    });

    it('keeps a rolled-back model pinned, in history and metrics, until resumed', async () => {
      const { common, stores } = stackEnvironment();
      await applyToActiveModels(stores, generateEvents(600, { seed: 43, users: 30, movies: 20 }));
      // Due every second: without the pin the rollback would be replaced at once.
      const recluster = await startRecluster(common, {
        RECLUSTER_INTERVAL_MS: '1000',
        RECLUSTER_POLL_MS: '100',
      });
      await waitFor(async () => ((await stores.models.history()).length >= 2 ? true : undefined), {
        what: 'two models',
      });
      const cli = (...args: string[]) =>
        runBuilt('apps/recluster/src/cli.js', args, { ...common, RECLUSTER_K: '3' });

      const rollback = await cli('rollback');
      expect(rollback.code).toBe(0);
      const { version } = lastJsonLine(rollback.stdout) as { version: number };
      await new Promise((resolve) => setTimeout(resolve, 2_500));

      expect(await stores.models.currentVersion()).toBe(version);
      const history = await cli('history');
      expect(history.stderr).toMatch(
        new RegExp(`model ${version} is pinned since .* until resumed`),
      );
      expect(lastJsonLine(history.stdout)).toMatchObject({ pin: { version } });
      expect(metricValue(await scrape(recluster.url), 'recommender_model_pinned')).toBe(1);

      expect((await cli('resume')).code).toBe(0);
      await waitFor(
        async () => ((await stores.models.currentVersion())! > version ? true : undefined),
        { what: 'a scheduled run after resuming' },
      );
      expect(metricValue(await scrape(recluster.url), 'recommender_model_pinned')).toBe(0);
    });
  });

  describe('query', () => {
    async function startQuery(common: Record<string, string>, redisUrl: string) {
      const [port, rpcPort] = [await freePort(), await freePort()];
      const service = ServiceProcess.start('query', {
        ...common,
        REDIS_URL: redisUrl,
        QUERY_PORT: String(port),
        QUERY_RPC_PORT: String(rpcPort),
        QUERY_RPC_HOST: '127.0.0.1',
        QUERY_REFRESH_MS: '200',
      });
      services.push(service);
      await service.waitForLog(/HTTP on port/);
      return { service, url: `http://127.0.0.1:${port}` };
    }

    it('times requests by route pattern, method and status in /metrics', async () => {
      const { env, common } = stackEnvironment();
      const query = await startQuery(common, env.redis.url);

      expect((await fetch(`${query.url}/v1/users/7/recommendations`)).status).toBe(200);
      expect((await fetch(`${query.url}/v1/users/8/recommendations`)).status).toBe(200);
      expect((await fetch(`${query.url}/v1/users/x/recommendations`)).status).toBe(400);

      const metrics = await scrape(query.url);
      const route = '/v1/users/:userId/recommendations';
      const requests = 'recommender_http_request_duration_seconds_count';
      expect(metricValue(metrics, requests, { method: 'GET', route, status: '200' })).toBe(2);
      expect(metricValue(metrics, requests, { method: 'GET', route, status: '400' })).toBe(1);
      expect(metrics.some((s) => /\/users\/\d/.test(s.labels.route ?? ''))).toBe(false);
      expect(
        metricValue(metrics, 'recommender_http_request_duration_seconds_bucket', {
          route,
          status: '200',
          le: '+Inf',
        }),
      ).toBe(2);
      for (const series of PROCESS_SERIES) expect(metricValue(metrics, series)).toBeDefined();
    });

    it('answers a fault of the data with 500, logged and counted, not as an outage', async () => {
      const { env, common } = stackEnvironment();
      const raw = rawRedis(env.redis);
      await raw.set(`${env.redis.keyPrefix}:{u:5}:ratings`, 'not a hash');
      raw.disconnect();
      const query = await startQuery(common, env.redis.url);

      const response = await fetch(`${query.url}/v1/users/5/recommendations`);

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: 'internal error' });
      const metrics = await scrape(query.url);
      expect(
        metricValue(metrics, 'recommender_unexpected_errors_total', { transport: 'http' }),
      ).toBe(1);
      expect(jsonLines(query.service.logs)).toContainEqual(
        expect.objectContaining({
          level: 'error',
          message: expect.stringMatching(/WRONGTYPE/) as unknown,
        }),
      );
    });

    it('is not ready while Redis is unreachable and ready again once it is back, live throughout', async () => {
      const { env, common, stores } = stackEnvironment();
      await publishModel(stores, { clusters: 2, assignments: new Map([[1, 0]]) });
      const outage = await redisOutage(env.redis);
      closers.push(() => outage.close());
      const query = await startQuery(common, outage.config.url);

      await waitFor(
        async () => ((await probe(query.url, '/health/ready')).status === 200 ? true : undefined),
        { what: 'query to load the model' },
      );
      expect((await probe(query.url, '/health/ready')).body).toMatchObject({
        info: { redis: { status: 'up' }, model: { status: 'up' } },
      });

      await outage.begin();
      const down = await probe(query.url, '/health/ready');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
      expect((await probe(query.url, '/health/live')).status).toBe(200);

      await outage.end();
      await waitFor(
        async () => ((await probe(query.url, '/health/ready')).status === 200 ? true : undefined),
        { what: 'query to be ready again' },
      );
      expect((await probe(query.url, '/health/live')).status).toBe(200);
    });
  });
});
