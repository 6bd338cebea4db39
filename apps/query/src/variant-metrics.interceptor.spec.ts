import { type CallHandler, type ExecutionContext } from '@nestjs/common';
import { Registry } from 'prom-client';
import { lastValueFrom, of } from 'rxjs';
import { VariantMetricsInterceptor } from './variant-metrics.interceptor';
import { VariantMetrics } from './variant.metrics';

/** A handler's context as Nest passes it: its transport, and the method it runs. */
function aContext(transport: 'http' | 'rpc', handler: string): ExecutionContext {
  const method = { [handler]: () => undefined }[handler];
  return { getType: () => transport, getHandler: () => method } as unknown as ExecutionContext;
}

const answering = (answer: unknown): CallHandler => ({ handle: () => of(answer) });

/** The `_count` of every series of the histogram, by its labels. */
async function countsOf(registry: Registry): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric('recommender_answer_seconds')?.get();
  return new Map(
    (metric?.values ?? [])
      .filter(
        (value) =>
          (value as { metricName?: string }).metricName === 'recommender_answer_seconds_count',
      )
      .map((value) => [JSON.stringify(value.labels), value.value]),
  );
}

describe(VariantMetricsInterceptor.name, () => {
  it('counts and times answers by operation, transport and the variant they name', async () => {
    const registry = new Registry();
    const sut = new VariantMetricsInterceptor(new VariantMetrics(registry));
    const recommendations = aContext('http', 'recommendations');

    for (const variant of ['candidate', 'candidate', 'active']) {
      await lastValueFrom(sut.intercept(recommendations, answering({ userId: 1, variant })));
    }
    await lastValueFrom(
      sut.intercept(aContext('rpc', 'recommendations'), answering({ variant: 'candidate' })),
    );

    const counts = await countsOf(registry);
    const key = (transport: string, variant: string) =>
      JSON.stringify({ operation: 'recommendations', transport, variant });
    expect(counts.get(key('http', 'candidate'))).toBe(2);
    expect(counts.get(key('http', 'active'))).toBe(1);
    expect(counts.get(key('rpc', 'candidate'))).toBe(1);
  });

  it('lists both variants before any answer, and leaves out answers that name none', async () => {
    const registry = new Registry();
    const sut = new VariantMetricsInterceptor(new VariantMetrics(registry));

    const answer = await lastValueFrom(
      sut.intercept(aContext('http', 'clusters'), answering({ clusters: [] })),
    );
    await lastValueFrom(
      sut.intercept(aContext('http', 'recommendations'), answering({ variant: 'other' })),
    );

    expect(answer).toEqual({ clusters: [] });
    expect([...(await countsOf(registry))]).toEqual([
      [JSON.stringify({ operation: 'recommendations', transport: 'http', variant: 'active' }), 0],
      [
        JSON.stringify({ operation: 'recommendations', transport: 'http', variant: 'candidate' }),
        0,
      ],
    ]);
    expect(await registry.metrics()).toContain(
      'recommender_answer_seconds_count{operation="recommendations",transport="http",variant="candidate"} 0',
    );
  });
});
