import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { runService } from '@app/observability';
import { ingestEnvSchema } from './ingest.config';
import { IngestModule } from './ingest.module';

runService({
  name: 'ingest',
  config: () => loadConfig(ingestEnvSchema, process.env),
  http: (config) => ({ port: config.port, portVariable: 'INGEST_PORT' }),
  module: (config) => IngestModule.forRoot(config),
  listening: (config) => `listening on port ${config.port} (/health/live, /health/ready, /metrics)`,
});
