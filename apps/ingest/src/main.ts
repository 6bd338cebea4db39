import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig } from '@app/config';
import { enforceShutdownDeadline, JsonLogger, logProcessWarnings } from '@app/observability';
import { ingestEnvSchema } from './ingest.config';
import { IngestModule } from './ingest.module';

const logger = new JsonLogger();
logProcessWarnings(logger, 'ingest');

async function bootstrap(): Promise<void> {
  const config = loadConfig(ingestEnvSchema, process.env);
  logger.setLevel(config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(
    IngestModule.forRoot(config),
    new FastifyAdapter(),
    { logger },
  );
  app.enableShutdownHooks();
  enforceShutdownDeadline(logger, 'ingest');
  // Every interface, not only loopback (Fastify's default): probes and peers come from outside.
  await app.listen(config.port, '0.0.0.0');
  logger.log(`listening on port ${config.port} (/health/live, /health/ready, /metrics)`, 'ingest');
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    logger.error({ message: error.message, problems: error.problems }, 'ingest');
  } else {
    logger.error(error, 'ingest');
  }
  process.exit(1);
});
