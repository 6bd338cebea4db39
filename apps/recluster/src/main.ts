import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@app/config';
import { reclusterEnvSchema } from './recluster.config';
import { ReclusterModule } from './recluster.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(reclusterEnvSchema, process.env);
  const app = await NestFactory.create(ReclusterModule.forRoot(config));
  app.enableShutdownHooks();
  await app.listen(config.port);
  new Logger('recluster').log(`listening on port ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    new Logger('recluster').error(error instanceof Error ? (error.stack ?? error.message) : error);
  }
  process.exit(1);
});
