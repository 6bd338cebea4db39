import 'reflect-metadata';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { loadConfig } from '@app/config';
import { MovieLensFileError } from '@app/movielens';
import { runService } from '@app/observability';
import { queryEnvSchema } from './query.config';
import { QueryModule } from './query.module';

runService({
  name: 'query',
  config: () => loadConfig(queryEnvSchema, process.env),
  module: (config) => QueryModule.forRoot(config),
  beforeListen: async (app, config) => {
    app.connectMicroservice<MicroserviceOptions>({ transport: Transport.TCP, options: config.rpc });
    await app.startAllMicroservices();
  },
  listening: (config) =>
    `HTTP on port ${config.port} (GET /v1/openapi.json), RPC on port ${config.rpc.port}`,
  describeStartupError: (error) =>
    error instanceof MovieLensFileError ? `QUERY_MOVIES_FILE: ${error.message}` : undefined,
});
