import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig } from '@app/config';
import { MovieLensFileError } from '@app/movielens';
import { enforceShutdownDeadline, JsonLogger, logProcessWarnings } from '@app/observability';
import { queryEnvSchema } from './query.config';
import { QueryModule } from './query.module';

const logger = new JsonLogger();
logProcessWarnings(logger, 'query');

async function bootstrap(): Promise<void> {
  const config = loadConfig(queryEnvSchema, process.env);
  logger.setLevel(config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(
    QueryModule.forRoot(config),
    new FastifyAdapter(),
    { logger },
  );
  app.connectMicroservice<MicroserviceOptions>({ transport: Transport.TCP, options: config.rpc });
  app.enableShutdownHooks();
  enforceShutdownDeadline(logger, 'query');
  await app.startAllMicroservices();
  // Every interface, not only loopback (Fastify's default): probes and peers come from outside.
  await app.listen(config.port, '0.0.0.0');
  logger.log(
    `HTTP on port ${config.port} (GET /v1/openapi.json), RPC on port ${config.rpc.port}`,
    'query',
  );
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    logger.error({ message: error.message, problems: error.problems }, 'query');
  } else if (error instanceof MovieLensFileError) {
    logger.error({ message: `QUERY_MOVIES_FILE: ${error.message}` }, 'query');
  } else {
    logger.error(error, 'query');
  }
  process.exit(1);
});
