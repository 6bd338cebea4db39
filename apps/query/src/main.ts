import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { runService } from '@app/observability';
import { queryEnvSchema } from './query.config';
import { QueryModule } from './query.module';

runService({
  name: 'query',
  config: () => loadConfig(queryEnvSchema, process.env),
  http: (config) => ({ port: config.port, portVariable: 'QUERY_PORT' }),
  rpc: (config) => config.rpc,
  httpLimits: (config) => config.httpLimits,
  module: (config) => QueryModule.forRoot(config),
  listening: (config) =>
    `HTTP on port ${config.port} (GET /v1/openapi.json), RPC on port ${config.rpc.port}`,
});
