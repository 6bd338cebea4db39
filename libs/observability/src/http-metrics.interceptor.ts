import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { type Request, type Response } from 'express';
import { Histogram, Registry } from 'prom-client';
import { type Observable } from 'rxjs';

/**
 * Times every HTTP request a controller handles. The route label is the route's pattern
 * (`/v1/users/:userId/recommendations`), never the raw URL, so the number of series stays
 * bounded; the status is the one sent, after exception filters chose it.
 */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'recommender_http_request_duration_seconds',
      help: 'HTTP request latency, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const stop = this.duration.startTimer();
    response.once('finish', () => {
      stop({
        method: request.method,
        route: routePattern(request),
        status: String(response.statusCode),
      });
    });
    return next.handle();
  }
}

const routePattern = (request: Request): string =>
  (request.route as { path?: unknown } | undefined)?.path?.toString() ?? 'unmatched';
