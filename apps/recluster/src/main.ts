import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig } from '@app/config';
import { enforceShutdownDeadline, JsonLogger, logProcessWarnings } from '@app/observability';
import { reclusterEnvSchema } from './recluster.config';
import { ReclusterModule } from './recluster.module';

const logger = new JsonLogger();
logProcessWarnings(logger, 'recluster');

async function bootstrap(): Promise<void> {
  const config = loadConfig(reclusterEnvSchema, process.env);
  logger.setLevel(config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(
    ReclusterModule.forRoot(config),
    new FastifyAdapter(),
    { logger },
  );
  app.enableShutdownHooks();
  enforceShutdownDeadline(logger, 'recluster');
  // Every interface, not only loopback (Fastify's default): probes and peers come from outside.
  await app.listen(config.port, '0.0.0.0');
  logger.log(`listening on port ${config.port}`, 'recluster');
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    logger.error({ message: error.message, problems: error.problems }, 'recluster');
  } else {
    logger.error(error, 'recluster');
  }
  process.exit(1);
});
