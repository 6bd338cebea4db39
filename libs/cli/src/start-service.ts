import { join } from 'node:path';
import { Command } from './command';

/**
 * `npm run start:<service>`: one service's built entry point, run in this process once its
 * command line has been read as every command reads its own, so `--help` starts nothing.
 */
const SUMMARIES = {
  ingest: `Runs the ingest service: consumes the rating and favourite topics (KAFKA_*) as the consumer group
INGEST_GROUP_ID, applies valid events to Redis (REDIS_*), sends invalid ones to <topic>.dlq, and
serves /health/live, /health/ready and /metrics on INGEST_PORT.`,
  recluster: `Runs the recluster service: reclusters the users in Redis (REDIS_*) on the deployment's schedule
(RECLUSTER_INTERVAL_MS, RECLUSTER_AFTER_EVENTS), publishes each model, and serves the model API,
/health and /metrics on RECLUSTER_PORT.`,
  query: `Runs the query service: recommendations, predictions and clusters from the model and aggregates in
Redis (REDIS_*), over HTTP on QUERY_PORT (GET /v1/openapi.json) and RPC on QUERY_RPC_PORT.`,
} as const;

type Service = keyof typeof SUMMARIES;
const isService = (name: string | undefined): name is Service =>
  name !== undefined && Object.hasOwn(SUMMARIES, name);

const named = process.argv[2];
const service = isService(named) ? named : undefined;

const command = new Command({
  synopsis: `npm run start:${service ?? '<ingest|recluster|query>'}`,
  summary: `${service === undefined ? 'Runs one service: ingest, recluster or query.' : SUMMARIES[service]}

It takes no arguments: every setting is an environment variable, read once at start-up (README.md,
"Configuration"), and a bad value stops it with a message naming the variable. It runs until
SIGTERM or Ctrl-C.`,
  options: {},
  positionals: { names: 'a service', min: 1, max: 1 },
  check: () =>
    service === undefined
      ? `unknown service "${named}": expected ingest, recluster or query`
      : undefined,
});

command.run(async () => {
  if (service === undefined) return;
  // Without an extension: the built .js, or the .ts source when run through a TypeScript loader.
  await import(join(__dirname, '..', '..', '..', 'apps', service, 'src', 'main'));
});
