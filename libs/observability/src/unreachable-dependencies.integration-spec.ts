import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ServiceProcess } from '@app/cli';
import { isolatedEnvironment, serviceEnvironment } from '@app/testing';
import { REPEAT_AFTER_MS } from './repeat-limited-error.logger';

/**
 * Long enough for a service that gives up on an unreachable dependency after a while to have
 * done so, and for connection errors to be logged twice over at one line per REPEAT_AFTER_MS.
 */
const OBSERVED_MS = 62_000;

/** Lines that a log collector expecting one JSON object per line would reject. */
const notJson = (logs: string): string[] =>
  logs
    .trimEnd()
    .split('\n')
    .filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });

const entries = (logs: string): Record<string, unknown>[] =>
  logs
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function probe(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

describe('services whose dependencies cannot be reached', () => {
  const services: ServiceProcess[] = [];

  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
  });

  it(
    'keep running and answering probes, log only JSON lines, and log connection errors once per 30 s naming the variable',
    async () => {
      const common = serviceEnvironment(isolatedEnvironment());
      const nowhere = `127.0.0.1:${await freePort()}`;
      const noRedis = { REDIS_URL: `redis://${nowhere}`, REDIS_CLUSTER: 'false' };
      const ports = {
        ingestWithoutKafka: await freePort(),
        ingestWithoutRedis: await freePort(),
        recluster: await freePort(),
        query: await freePort(),
        queryRpc: await freePort(),
      };
      const start = (app: string, env: Record<string, string>): ServiceProcess => {
        const service = ServiceProcess.start(app, { ...common, ...env });
        services.push(service);
        return service;
      };
      const ingestWithoutKafka = start('ingest', {
        KAFKA_BROKERS: nowhere,
        INGEST_PORT: String(ports.ingestWithoutKafka),
      });
      const withoutRedis = {
        ingest: start('ingest', { ...noRedis, INGEST_PORT: String(ports.ingestWithoutRedis) }),
        recluster: start('recluster', { ...noRedis, RECLUSTER_PORT: String(ports.recluster) }),
        query: start('query', {
          ...noRedis,
          QUERY_PORT: String(ports.query),
          QUERY_RPC_PORT: String(ports.queryRpc),
        }),
      };
      const started = Date.now();
      const ingestUrl = `http://127.0.0.1:${ports.ingestWithoutKafka}`;

      await ingestWithoutKafka.waitForLog(/waiting for Kafka/, 30_000);
      const early = {
        live: await probe(`${ingestUrl}/health/live`),
        ready: await probe(`${ingestUrl}/health/ready`),
      };
      await sleep(OBSERVED_MS - (Date.now() - started));
      const late = {
        live: await probe(`${ingestUrl}/health/live`),
        ready: await probe(`${ingestUrl}/health/ready`),
      };
      const running = services.map((service) => service.exitCode);
      for (const service of services.splice(0)) await service.stop();

      expect(running).toEqual([null, null, null, null]);
      for (const { live, ready } of [early, late]) {
        expect(live.status).toBe(200);
        expect(ready.status).toBe(503);
        expect(ready.body).toContain(`waiting for Kafka (KAFKA_BROKERS=${nowhere})`);
      }

      expect(notJson(ingestWithoutKafka.logs)).toEqual([]);
      const kafkaErrors = entries(ingestWithoutKafka.logs).filter(
        (entry) => entry.level === 'warn' && String(entry.message).includes('waiting for Kafka'),
      );
      expectLimited(kafkaErrors, `KAFKA_BROKERS=${nowhere}`);

      for (const service of Object.values(withoutRedis)) {
        expect(notJson(service.logs)).toEqual([]);
        const redisErrors = entries(service.logs).filter((entry) =>
          String(entry.message).includes('connection error'),
        );
        expectLimited(redisErrors, `Redis (REDIS_URL) connection error: connect ECONNREFUSED`);
        // What else fails for want of Redis (the query's snapshot refresh, the recluster's
        // scheduled run) says so naming REDIS_URL, as rarely: each at most once per 30 s.
        const warnings = entries(service.logs).filter(
          (entry) =>
            entry.level === 'warn' &&
            ['SnapshotRefresher', 'ReclusterScheduler'].includes(String(entry.context)),
        );
        for (const warning of warnings) expect(String(warning.message)).toContain('REDIS_URL');
        const perMessage = new Map<string, number>();
        for (const { message } of warnings) {
          perMessage.set(String(message), (perMessage.get(String(message)) ?? 0) + 1);
        }
        expect(Math.max(0, ...perMessage.values())).toBeLessThanOrEqual(3);
      }
      for (const service of [ingestWithoutKafka, ...Object.values(withoutRedis)]) {
        for (const entry of entries(service.logs)) {
          if (!JSON.stringify(entry).includes('ECONNREFUSED')) continue;
          expect(String(entry.message)).toMatch(/REDIS_URL|KAFKA_BROKERS/);
        }
      }
    },
    OBSERVED_MS + 60_000,
  );
});

/**
 * A connection error repeated throughout the observed time is logged at its start, and again
 * once per REPEAT_AFTER_MS with how many attempts were left out: two or three lines, not one per
 * attempt.
 */
function expectLimited(lines: Record<string, unknown>[], naming: string): void {
  const allowed = Math.floor(OBSERVED_MS / REPEAT_AFTER_MS) + 1;
  expect(lines.length).toBeGreaterThanOrEqual(2);
  expect(lines.length).toBeLessThanOrEqual(allowed);
  for (const line of lines) expect(line.message).toContain(naming);
  expect(lines[0]).not.toHaveProperty('repeatedSinceLastLine');
  expect(lines[1]?.repeatedSinceLastLine).toBeGreaterThan(0);
}
