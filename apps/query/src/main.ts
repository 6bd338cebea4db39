import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { ConfigError, loadConfig } from '@app/config';
import { MovieLensFileError } from '@app/movielens';
import { queryEnvSchema } from './query.config';
import { QueryModule } from './query.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(queryEnvSchema, process.env);
  const app = await NestFactory.create(QueryModule.forRoot(config));
  app.connectMicroservice<MicroserviceOptions>({ transport: Transport.TCP, options: config.rpc });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(config.port);
  const logger = new Logger('query');
  logger.log(`HTTP on port ${config.port} (GET /v1/openapi.json), RPC on port ${config.rpc.port}`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if (error instanceof MovieLensFileError) {
    process.stderr.write(`QUERY_MOVIES_FILE: ${error.message}\n`);
  } else {
    new Logger('query').error(error instanceof Error ? (error.stack ?? error.message) : error);
  }
  process.exit(1);
});
