import rateLimit from '@fastify/rate-limit';
import {
  type ArgumentsHost,
  Catch,
  HttpException,
  type HttpServer,
  HttpStatus,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { z } from 'zod';
import { envInt } from '@app/config';

export interface HttpLimits {
  /** The largest request body read; a larger one is answered 413 unread. */
  bodyLimitBytes: number;
  /** Requests a client address may make in a minute; 0: no limit. */
  rateLimitPerMinute: number;
  /**
   * Proxies in front of the service whose X-Forwarded-For is believed: 0 counts the TCP peer's
   * address, so behind an ingress every client would share the ingress's budget.
   */
  trustProxyHops: number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

export const httpLimitsEnvSchema = z.object({
  HTTP_BODY_LIMIT_BYTES: envInt(DEFAULT_BODY_LIMIT_BYTES, { min: 1_024, max: 64 * 1024 * 1024 }),
  HTTP_RATE_LIMIT_PER_MINUTE: envInt(0, { min: 0, max: 10_000_000 }),
  HTTP_TRUST_PROXY_HOPS: envInt(0, { min: 0, max: 10 }),
});

export const toHttpLimits = (env: z.output<typeof httpLimitsEnvSchema>): HttpLimits => ({
  bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
  rateLimitPerMinute: env.HTTP_RATE_LIMIT_PER_MINUTE,
  trustProxyHops: env.HTTP_TRUST_PROXY_HOPS,
});

/** Probes and scrapes are never limited: a busy client must not get a pod restarted. */
const UNLIMITED_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/** Fastify's own options for the limits, given when the server is created. */
export const fastifyOptionsFor = (limits: HttpLimits): FastifyServerOptions => ({
  bodyLimit: limits.bodyLimitBytes,
  ...(limits.trustProxyHops > 0 ? { trustProxy: limits.trustProxyHops } : {}),
});

/**
 * Fastify refuses a body over its limit before any route runs (on its declared length, or once
 * that many bytes arrived), as a 413 that Nest's default filter would answer in its own shape.
 * This global filter answers it in the API's, naming the limit; every other error it leaves to
 * Nest's default, as before. The API's controllers answer their own errors (HttpErrorFilter comes
 * first), so it sees only what fails outside them: a body, or a probe.
 */
@Catch(HttpException)
class BodyLimitFilter extends BaseExceptionFilter {
  constructor(
    private readonly adapter: HttpServer,
    private readonly limits: HttpLimits,
  ) {
    super(adapter);
  }

  override catch(error: HttpException, host: ArgumentsHost): void {
    if (error.getStatus() !== (HttpStatus.PAYLOAD_TOO_LARGE as number)) {
      super.catch(error, host);
      return;
    }
    const message = `request body too large: at most ${this.limits.bodyLimitBytes} bytes (HTTP_BODY_LIMIT_BYTES)`;
    this.adapter.reply(host.switchToHttp().getResponse(), { message }, error.getStatus());
  }
}

/**
 * Applies the limits to a Fastify app before its routes are registered: over the body limit a
 * request is answered 413 unread; over the rate, a client gets 429 with Retry-After (seconds)
 * until its minute is over. Both answer in the API's `{ message }` shape.
 */
export async function applyHttpLimits(
  app: NestFastifyApplication,
  limits: HttpLimits,
): Promise<void> {
  app.useGlobalFilters(new BodyLimitFilter(app.getHttpAdapter(), limits));
  if (limits.rateLimitPerMinute === 0) return;
  await app.register(rateLimit, {
    global: true,
    max: limits.rateLimitPerMinute,
    timeWindow: 60_000,
    allowList: (request: FastifyRequest) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new HttpException(
        {
          message: `too many requests: at most ${context.max} a minute from one address (HTTP_RATE_LIMIT_PER_MINUTE); retry in ${context.after}`,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      ),
  });
}
