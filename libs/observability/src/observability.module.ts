import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import { HttpMetricsInterceptor } from './http-metrics.interceptor';
import { createMetricsRegistry } from './metrics-registry.factory';

/**
 * What the health and metrics controllers need, and HTTP request timing for every controller.
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
        { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
      ],
      exports: [TerminusModule, Registry],
    };
  }
}
