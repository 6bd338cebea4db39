import { Injectable } from '@nestjs/common';
import { Histogram, Registry } from 'prom-client';
import { MODEL_VARIANTS, type ModelVariant } from '@app/query-client';

/** What answered: the handler (`recommendations`, ...) and its transport (`http`, `rpc`). */
export interface AnswerSite {
  operation: string;
  transport: string;
}

/**
 * The A/B test's series: time to answer, by operation, transport and the model variant that
 * answered, so the two models' latency and traffic (`_count`) compare side by side. Labels come
 * from code, never from the request, so the series stay few.
 */
@Injectable()
export class VariantMetrics {
  private readonly seconds: Histogram<'operation' | 'transport' | 'variant'>;

  constructor(registry: Registry) {
    this.seconds = new Histogram({
      name: 'recommender_answer_seconds',
      help: 'Time to answer a request whose answer names its model variant (active or candidate), by operation, transport and variant',
      labelNames: ['operation', 'transport', 'variant'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    });
    // Both series are listed from the start, so a dashboard shows the candidate's at zero.
    for (const variant of MODEL_VARIANTS) {
      this.seconds.zero({ operation: 'recommendations', transport: 'http', variant });
    }
  }

  answered(site: AnswerSite, variant: ModelVariant, seconds: number): void {
    this.seconds.observe({ ...site, variant }, seconds);
  }
}
