import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { ServiceProcess } from '@app/cli';
import { runService } from './run-service';

/** A start-up failure is reported and the process gone within this, start-up of Node included. */
const EXIT_WITHIN_MS = 10_000;

type Service = 'ingest' | 'recluster' | 'query';

/** The variables each service listens by: a failure names the one at fault and no other. */
const LISTEN_VARIABLES: Readonly<Record<Service, readonly string[]>> = {
  ingest: ['INGEST_PORT'],
  recluster: ['RECLUSTER_PORT'],
  query: ['QUERY_PORT', 'QUERY_RPC_HOST', 'QUERY_RPC_PORT'],
};

/** Every port variable is given a free port, so that only the variable under test is at fault. */
const PORT_VARIABLES = ['INGEST_PORT', 'RECLUSTER_PORT', 'QUERY_PORT', 'QUERY_RPC_PORT'];

/** Runs a built service until it exits on its own; fails if it still runs after EXIT_WITHIN_MS. */
async function runUntilExit(
  service: Service,
  env: Record<string, string>,
): Promise<{ code: number | null; lines: string[] }> {
  const sut = ServiceProcess.start(service, env);
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([
    sut.exited().then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, EXIT_WITHIN_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!exited) {
    await sut.stop();
    throw new Error(`${service} still ran after ${EXIT_WITHIN_MS} ms:\n${sut.logs}`);
  }
  return { code: sut.exitCode, lines: sut.logs.trimEnd().split('\n') };
}

/** A port some other server holds on every interface, as the services listen. */
async function takenPort(servers: Server[]): Promise<string> {
  const server = createServer();
  servers.push(server);
  server.listen(0, '0.0.0.0');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return String(address.port);
}

const closeAll = (servers: Server[]): Promise<unknown[]> =>
  Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));

/** A free port for each port variable, taken together so that no two are the same. */
async function freePorts(): Promise<Record<string, string>> {
  const held: Server[] = [];
  const entries = await Promise.all(
    PORT_VARIABLES.map(async (name) => [name, await takenPort(held)] as const),
  );
  await closeAll(held);
  return Object.fromEntries(entries);
}

describe(runService.name, () => {
  const servers: Server[] = [];

  afterEach(() => closeAll(servers));

  async function expectOneLineNaming(
    service: Service,
    env: Record<string, string>,
    variable: string,
    problem: RegExp,
  ): Promise<void> {
    const { code, lines } = await runUntilExit(service, { ...(await freePorts()), ...env });

    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'error', context: service });
    expect(entry).not.toHaveProperty('stack');
    expect(String(entry.message)).toMatch(new RegExp(`(^|\\s)${variable}: `));
    expect(String(entry.message)).toMatch(problem);
    for (const other of LISTEN_VARIABLES[service].filter((name) => name !== variable)) {
      expect(lines[0]).not.toContain(other);
    }
  }

  describe('stops at once, with one JSON line naming the variable', () => {
    it.each([
      ['QUERY_RPC_HOST', '999.1.1.1', /"999\.1\.1\.1" is not an IPv4 address/],
      [
        'QUERY_RPC_HOST',
        'no-such-host.invalid',
        /the host name "no-such-host\.invalid" does not resolve/,
      ],
      ['QUERY_PORT', '', /expected a port from 1 to 65535 in decimal digits, got ""/],
      ['QUERY_PORT', '0x32D4', /expected a port from 1 to 65535 in decimal digits, got "0x32D4"/],
      ['QUERY_RPC_PORT', '', /expected a port/],
      ['INGEST_PORT', '', /expected a port/],
      ['RECLUSTER_PORT', '', /expected a port/],
    ])('on %s=%j', async (variable, value, problem) => {
      const service = (Object.keys(LISTEN_VARIABLES) as Service[]).find((name) =>
        LISTEN_VARIABLES[name].includes(variable),
      );
      if (service === undefined) throw new Error(`no service listens by ${variable}`);

      await expectOneLineNaming(service, { [variable]: value }, variable, problem);
    });

    it.each([
      ['ingest', 'KAFKA_BROKERS', '999.1.1.1:9092', /"999\.1\.1\.1" is not an IPv4 address/],
      ['recluster', 'REDIS_URL', 'redis://999.1.1.1:6379', /"999\.1\.1\.1" is not an IPv4/],
    ] as const)('%s on %s=%j', async (service, variable, value, problem) => {
      await expectOneLineNaming(service, { [variable]: value }, variable, problem);
    });

    it.each([
      ['ingest', 'INGEST_PORT'],
      ['recluster', 'RECLUSTER_PORT'],
      ['query', 'QUERY_PORT'],
      ['query', 'QUERY_RPC_PORT'],
    ] as const)('%s when the port of %s is in use', async (service, variable) => {
      const port = await takenPort(servers);

      await expectOneLineNaming(
        service,
        { [variable]: port },
        variable,
        new RegExp(`port ${port} is already in use \\(EADDRINUSE\\)`),
      );
    });
  });
});
