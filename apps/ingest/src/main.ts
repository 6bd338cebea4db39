import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@app/config';
import { ingestEnvSchema } from './ingest.config';
import { IngestModule } from './ingest.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(ingestEnvSchema, process.env);
  const app = await NestFactory.createApplicationContext(IngestModule.forRoot(config));
  app.enableShutdownHooks();
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    new Logger('ingest').error(error instanceof Error ? (error.stack ?? error.message) : error);
  }
  process.exit(1);
});
