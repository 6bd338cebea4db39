import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { runService } from '@app/observability';
import { reclusterEnvSchema } from './recluster.config';
import { ReclusterModule } from './recluster.module';

runService({
  name: 'recluster',
  config: () => loadConfig(reclusterEnvSchema, process.env),
  http: (config) => ({ port: config.port, portVariable: 'RECLUSTER_PORT' }),
  httpLimits: (config) => config.httpLimits,
  module: (config) => ReclusterModule.forRoot(config),
  listening: (config) => `listening on port ${config.port}`,
});
