import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { type Observable, tap } from 'rxjs';
import { MODEL_VARIANTS, type ModelVariant } from '@app/query-client';
import { VariantMetrics } from './variant.metrics';

/**
 * Times every answer that names the model variant it came from (`variant`, see
 * QuerySnapshotCache.forUser) into VariantMetrics; other answers pass through untimed.
 */
@Injectable()
export class VariantMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: VariantMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const started = performance.now();
    return next.handle().pipe(
      tap((answer) => {
        const variant = variantOf(answer);
        if (variant === undefined) return;
        this.metrics.answered(
          { operation: context.getHandler().name, transport: context.getType() },
          variant,
          (performance.now() - started) / 1000,
        );
      }),
    );
  }
}

function variantOf(answer: unknown): ModelVariant | undefined {
  if (typeof answer !== 'object' || answer === null || !('variant' in answer)) return undefined;
  const { variant } = answer;
  return MODEL_VARIANTS.find((known) => known === variant);
}
