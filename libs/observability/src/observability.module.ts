import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import { HTTP_REQUEST_DURATION, HttpMetricsHook, httpRequestDuration } from './http-metrics.hook';
import { createMetricsRegistry } from './metrics-registry.factory';

/**
 * What the health and metrics controllers need, and HTTP request timing for every route.
 * The app module declares `HealthController` and `MetricsController` itself and provides its
 * `READINESS_CHECKS`, since only it can reach the clients those checks ask.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      providers: [
        { provide: Registry, useFactory: createMetricsRegistry },
        { provide: HTTP_REQUEST_DURATION, useFactory: httpRequestDuration, inject: [Registry] },
        HttpMetricsHook,
      ],
      exports: [TerminusModule, Registry],
    };
  }
}
