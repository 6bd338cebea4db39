import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@app/config';
import { enforceShutdownDeadline, JsonLogger } from '@app/observability';
import { reclusterEnvSchema } from './recluster.config';
import { ReclusterModule } from './recluster.module';

const logger = new JsonLogger();

async function bootstrap(): Promise<void> {
  const config = loadConfig(reclusterEnvSchema, process.env);
  logger.setLevel(config.logLevel);
  const app = await NestFactory.create(ReclusterModule.forRoot(config), { logger });
  app.enableShutdownHooks();
  enforceShutdownDeadline(logger, 'recluster');
  await app.listen(config.port);
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
