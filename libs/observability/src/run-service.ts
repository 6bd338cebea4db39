import { type Server } from 'node:net';
import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, type ListenAddress, type LogLevelName } from '@app/config';
import { applyHttpLimits, fastifyOptionsFor, type HttpLimits } from '@app/http';
import { JsonLogger } from './json.logger';
import { ALL_INTERFACES, probeListenAddresses, untilListening } from './listen-probe';
import { isListenFailure, ListenError } from './listen.error';
import { logProcessWarnings } from './process-warnings';
import { enforceShutdownDeadline } from './shutdown-deadline';

export interface ServiceDefinition<C extends { logLevel: LogLevelName }> {
  /** The context of the service's own log lines. */
  name: string;
  /** Reads the configuration; a ConfigError stops the process naming the variables. */
  config: () => C;
  /** The HTTP server's port (on every interface) and the variable it was read from. */
  http: (config: C) => ListenAddress;
  /** A NestJS TCP RPC server, started before the HTTP server listens. */
  rpc?: (config: C) => ListenAddress;
  /** The HTTP server's body size and rate limits; absent: Fastify's defaults, no rate limit. */
  httpLimits?: (config: C) => HttpLimits;
  module: (config: C) => DynamicModule;
  /** Logged once the service listens. */
  listening: (config: C) => string;
  /** The message for a start-up error the service knows, or undefined. */
  describeStartupError?: (error: unknown) => string | undefined;
}

/**
 * Starts a service the way every app of the system starts: JSON logs at the configured level
 * (process warnings included), its addresses checked before anything else starts, Fastify on
 * every interface, Nest's shutdown hooks on SIGTERM with a deadline, and a start-up failure
 * logged as one line before exit status 1: bad configuration and an address the service cannot
 * listen on name the variable to change.
 */
export function runService<C extends { logLevel: LogLevelName }>(
  service: ServiceDefinition<C>,
): void {
  const logger = new JsonLogger();
  logProcessWarnings(logger, service.name);
  const start = async (): Promise<void> => {
    const config = service.config();
    logger.setLevel(config.logLevel);
    const http = service.http(config);
    const rpc = service.rpc?.(config);
    const limits = service.httpLimits?.(config);
    await probeListenAddresses(rpc === undefined ? [http] : [http, rpc]);
    const app = await NestFactory.create<NestFastifyApplication>(
      service.module(config),
      new FastifyAdapter(limits === undefined ? undefined : fastifyOptionsFor(limits)),
      // A provider failing to start (an unreadable file, say) reaches the handler below, which
      // says what was wrong, rather than Nest's own handler.
      { logger, abortOnError: false },
    );
    // Before the routes are registered (by listen), so the limits apply to every one of them.
    if (limits !== undefined) await applyHttpLimits(app, limits);
    app.enableShutdownHooks();
    enforceShutdownDeadline(logger, service.name);
    // The probe above leaves a moment in which another process may take a port: that failure
    // names its variable too.
    if (rpc !== undefined) await listenOn(rpc, () => startRpc(app, rpc));
    await listenOn(http, () => app.listen(http.port, http.host ?? ALL_INTERFACES));
    logger.log(service.listening(config), service.name);
  };
  start().catch((error: unknown) => {
    const known = service.describeStartupError?.(error);
    if (error instanceof ConfigError) {
      logger.error({ message: error.message, problems: error.problems }, service.name);
    } else if (error instanceof ListenError) {
      logger.error({ message: error.message, variable: error.variable }, service.name);
    } else if (known !== undefined) {
      logger.error({ message: known }, service.name);
    } else {
      logger.error(error, service.name);
    }
    process.exit(1);
  });
}

async function listenOn(address: ListenAddress, listen: () => Promise<unknown>): Promise<void> {
  await listen().catch((error: unknown) => {
    throw isListenFailure(error) ? new ListenError(address, error) : error;
  });
}

async function startRpc(app: NestFastifyApplication, { host, port }: ListenAddress) {
  const microservice = app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.TCP,
    options: { host: host ?? ALL_INTERFACES, port },
  });
  await untilListening(microservice.unwrap<Server>(), () => app.startAllMicroservices());
}
