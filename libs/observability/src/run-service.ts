import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, type LogLevelName } from '@app/config';
import { JsonLogger } from './json.logger';
import { logProcessWarnings } from './process-warnings';
import { enforceShutdownDeadline } from './shutdown-deadline';

export interface ServiceDefinition<C extends { logLevel: LogLevelName; port: number }> {
  /** The context of the service's own log lines. */
  name: string;
  /** Reads the configuration; a ConfigError stops the process naming the variables. */
  config: () => C;
  module: (config: C) => DynamicModule;
  /** Runs before the HTTP server listens, e.g. to start a microservice transport. */
  beforeListen?: (app: NestFastifyApplication, config: C) => Promise<void>;
  /** Logged once the service listens. */
  listening: (config: C) => string;
  /** The message for a start-up error the service knows, or undefined. */
  describeStartupError?: (error: unknown) => string | undefined;
}

/**
 * Starts a service the way every app of the system starts: JSON logs at the configured level
 * (process warnings included), Fastify on every interface, Nest's shutdown hooks on SIGTERM with
 * a deadline, and a start-up failure logged as one line before exit status 1.
 */
export function runService<C extends { logLevel: LogLevelName; port: number }>(
  service: ServiceDefinition<C>,
): void {
  const logger = new JsonLogger();
  logProcessWarnings(logger, service.name);
  const start = async (): Promise<void> => {
    const config = service.config();
    logger.setLevel(config.logLevel);
    const app = await NestFactory.create<NestFastifyApplication>(
      service.module(config),
      new FastifyAdapter(),
      // A provider failing to start (an unreadable file, say) reaches the handler below, which
      // says what was wrong, rather than Nest's own handler.
      { logger, abortOnError: false },
    );
    app.enableShutdownHooks();
    enforceShutdownDeadline(logger, service.name);
    await service.beforeListen?.(app, config);
    // Every interface, not only loopback (Fastify's default): probes and peers come from outside.
    await app.listen(config.port, '0.0.0.0');
    logger.log(service.listening(config), service.name);
  };
  start().catch((error: unknown) => {
    const known = service.describeStartupError?.(error);
    if (error instanceof ConfigError) {
      logger.error({ message: error.message, problems: error.problems }, service.name);
    } else if (known !== undefined) {
      logger.error({ message: known }, service.name);
    } else {
      logger.error(error, service.name);
    }
    process.exit(1);
  });
}
