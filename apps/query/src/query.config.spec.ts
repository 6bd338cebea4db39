import { ConfigError, loadConfig } from '@app/config';
import { queryEnvSchema } from './query.config';

describe('queryEnvSchema', () => {
  it('fills every default from an empty environment', () => {
    const sut = loadConfig(queryEnvSchema, {});

    expect(sut).toMatchObject({
      port: 3000,
      logLevel: 'log',
      rpc: { host: '0.0.0.0', port: 3100 },
      catalogueRefreshMs: 5_000,
      refreshMs: 5_000,
      redisTimeoutMs: 500,
      shrinkage: { priorWeight: 5, minSupport: 3 },
      variants: { candidateShare: 0 },
      redis: { url: 'redis://127.0.0.1:6379', cluster: false },
    });
  });

  it('reads the log level and a Redis password kept apart from the URL', () => {
    const sut = loadConfig(queryEnvSchema, {
      LOG_LEVEL: 'warn',
      REDIS_URL: 'rediss://redis.internal:6380',
      REDIS_PASSWORD: 'secret',
    });

    expect(sut.logLevel).toBe('warn');
    expect(sut.redis).toMatchObject({ url: 'rediss://redis.internal:6380', password: 'secret' });
  });

  it.each([
    ['QUERY_PORT', '65536'],
    ['QUERY_PORT', ''],
    ['QUERY_PORT', '0'],
    ['QUERY_PORT', '0x32D4'],
    ['QUERY_RPC_HOST', ''],
    ['QUERY_RPC_HOST', '999.1.1.1'],
    ['QUERY_RPC_HOST', 'not a host'],
    ['QUERY_RPC_PORT', ''],
    ['QUERY_RPC_PORT', '0x0C1C'],
    ['QUERY_RPC_PORT', 'rpc'],
    ['QUERY_CATALOGUE_REFRESH_MS', '50'],
    ['QUERY_REFRESH_MS', '50'],
    ['QUERY_REDIS_TIMEOUT_MS', '5'],
    ['QUERY_PRIOR_WEIGHT', '-3'],
    ['QUERY_MIN_SUPPORT', '0'],
    ['QUERY_CANDIDATE_SHARE', '1.5'],
    ['QUERY_CANDIDATE_SHARE', '-0.1'],
    ['QUERY_CANDIDATE_SHARE', 'half'],
    ['REDIS_URL', 'redis//missing-colon'],
    ['REDIS_KEY_PREFIX', 'a b'],
    ['REDIS_SCRIPT_BATCH_USERS', '0'],
    ['LOG_LEVEL', 'warning'],
  ])('rejects a bad %s naming the variable', (variable, value) => {
    const load = () => loadConfig(queryEnvSchema, { [variable]: value });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`${variable}: `));
  });

  it('reads the share of users answered from the candidate model', () => {
    expect(loadConfig(queryEnvSchema, { QUERY_CANDIDATE_SHARE: '0.25' }).variants).toEqual({
      candidateShare: 0.25,
    });
  });

  it('names the variables of the RPC address, for a server that cannot listen there', () => {
    const sut = loadConfig(queryEnvSchema, { QUERY_RPC_HOST: '127.0.0.1', QUERY_RPC_PORT: '4100' });

    expect(sut.rpc).toEqual({
      host: '127.0.0.1',
      port: 4100,
      hostVariable: 'QUERY_RPC_HOST',
      portVariable: 'QUERY_RPC_PORT',
    });
  });

  it('refuses the HTTP port as the RPC port, naming QUERY_RPC_PORT', () => {
    expect(() => loadConfig(queryEnvSchema, { QUERY_PORT: '3100' })).toThrow(
      'QUERY_RPC_PORT: the HTTP server listens on 3100 (QUERY_PORT); expected another port',
    );
  });
});
