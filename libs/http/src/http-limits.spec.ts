import { ConfigError, type Env, loadConfig } from '@app/config';
import { fastifyOptionsFor, httpLimitsEnvSchema, toHttpLimits } from './http-limits';

const schema = httpLimitsEnvSchema.transform(toHttpLimits);

const variablesIn = (env: Env): string[] => {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  throw new Error('the environment was valid');
};

describe('httpLimitsEnvSchema', () => {
  it('reads 64 KiB bodies, no rate limit and no trusted proxy by default', () => {
    expect(loadConfig(schema, {})).toEqual({
      bodyLimitBytes: 65_536,
      rateLimitPerMinute: 0,
      trustProxyHops: 0,
    });
  });

  it('reads each limit from its variable', () => {
    expect(
      loadConfig(schema, {
        HTTP_BODY_LIMIT_BYTES: '2048',
        HTTP_RATE_LIMIT_PER_MINUTE: '600',
        HTTP_TRUST_PROXY_HOPS: '1',
      }),
    ).toEqual({ bodyLimitBytes: 2_048, rateLimitPerMinute: 600, trustProxyHops: 1 });
  });

  it.each([
    ['HTTP_BODY_LIMIT_BYTES', '100'],
    ['HTTP_BODY_LIMIT_BYTES', '64k'],
    ['HTTP_RATE_LIMIT_PER_MINUTE', '-1'],
    ['HTTP_TRUST_PROXY_HOPS', 'yes'],
  ])('names %s when it is %j', (variable, value) => {
    expect(variablesIn({ [variable]: value })).toEqual([variable]);
  });
});

describe(fastifyOptionsFor.name, () => {
  it("gives Fastify the body limit, and trusts proxies' addresses only when told how many", () => {
    const limits = { bodyLimitBytes: 2_048, rateLimitPerMinute: 0, trustProxyHops: 0 };

    expect(fastifyOptionsFor(limits)).toEqual({ bodyLimit: 2_048 });
    expect(fastifyOptionsFor({ ...limits, trustProxyHops: 2 })).toEqual({
      bodyLimit: 2_048,
      trustProxy: 2,
    });
  });
});
