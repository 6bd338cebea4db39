import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

export const HTTP_REQUEST_DURATION = Symbol('HTTP_REQUEST_DURATION');

export type HttpRequestDuration = Histogram<'method' | 'route' | 'status'>;

export const httpRequestDuration = (registry: Registry): HttpRequestDuration =>
  new Histogram({
    name: 'recommender_http_request_duration_seconds',
    help: 'HTTP request latency, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

/**
 * Times every HTTP request from a Fastify onResponse hook. The route label is the route's
 * pattern (`/v1/users/:userId/recommendations`), never the raw URL, so the number of series
 * stays bounded; the status is the one sent, after exception filters chose it. Each labelled
 * series is looked up once: a query request costs a fraction of a millisecond, and its timing
 * must not be a sizeable part of that.
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  private readonly series = new Map<string, { observe(seconds: number): void }>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(HTTP_REQUEST_DURATION) private readonly duration: HttpRequestDuration,
  ) {}

  onModuleInit(): void {
    // An application context without an HTTP server (a test harness, say) has nothing to time.
    const adapter = this.adapterHost.httpAdapter as typeof this.adapterHost.httpAdapter | null;
    if (adapter === null) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const status = String(reply.statusCode);
      const key = `${request.method} ${route} ${status}`;
      let series = this.series.get(key);
      if (series === undefined) {
        series = this.duration.labels(request.method, route, status);
        this.series.set(key, series);
      }
      series.observe(reply.elapsedTime / 1000);
      done();
    });
  }
}
