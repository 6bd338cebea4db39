import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry per application rather than prom-client's global one, so two instances of a
 * service in one process (as in the integration tests) do not register the same series twice.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
