import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@app/config';
import { enforceShutdownDeadline, JsonLogger } from '@app/observability';
import { ingestEnvSchema } from './ingest.config';
import { IngestModule } from './ingest.module';

const logger = new JsonLogger();

async function bootstrap(): Promise<void> {
  const config = loadConfig(ingestEnvSchema, process.env);
  logger.setLevel(config.logLevel);
  const app = await NestFactory.create(IngestModule.forRoot(config), { logger });
  app.enableShutdownHooks();
  enforceShutdownDeadline(logger, 'ingest');
  await app.listen(config.port);
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
