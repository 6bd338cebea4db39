import { loadConfig } from './load-config';
import { redisEnvSchema, redisUrlProblem, toRedisConfig } from './redis-config.schema';

const schema = redisEnvSchema.transform(toRedisConfig);

describe(toRedisConfig.name, () => {
  it('keeps the password in the URL when REDIS_PASSWORD is not set', () => {
    const sut = loadConfig(schema, { REDIS_URL: 'rediss://app:from-url@redis:6380' });

    expect(sut.url).toBe('rediss://app:from-url@redis:6380');
    expect(sut.password).toBeUndefined();
  });

  it('takes REDIS_PASSWORD over the password in the URL', () => {
    const sut = loadConfig(schema, {
      REDIS_URL: 'redis://app:from-url@redis:6379',
      REDIS_PASSWORD: 'from-secret',
    });

    expect(sut.password).toBe('from-secret');
  });

  it('asks for no replica acknowledgement unless REDIS_REPLICA_ACKS names some', () => {
    expect(loadConfig(schema, {}).replicaAcks).toBeUndefined();
    expect(loadConfig(schema, { REDIS_REPLICA_ACKS: '0' }).replicaAcks).toBeUndefined();
    expect(loadConfig(schema, { REDIS_REPLICA_ACKS: '1' }).replicaAcks).toEqual({
      replicas: 1,
      timeoutMs: 2_000,
    });
    expect(
      loadConfig(schema, { REDIS_REPLICA_ACKS: '2', REDIS_REPLICA_ACK_TIMEOUT_MS: '500' })
        .replicaAcks,
    ).toEqual({ replicas: 2, timeoutMs: 500 });
  });

  it.each([
    ['REDIS_REPLICA_ACKS', '-1'],
    ['REDIS_REPLICA_ACKS', 'one'],
    ['REDIS_REPLICA_ACK_TIMEOUT_MS', '0'],
  ])('stops on %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig(schema, { [name]: value })).toThrow(name);
  });
});

describe(redisUrlProblem.name, () => {
  it.each([
    'redis://127.0.0.1:6379',
    'redis://[::1]:6379',
    'rediss://user:p%40ss@redis.internal:6380/2',
    'redis://redis',
  ])('accepts %j', (url) => {
    expect(redisUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['redis://999.1.1.1:6379', '"999.1.1.1" is not an IPv4 address in "redis://999.1.1.1:6379"'],
    [
      'redis://redis:0',
      'expected a port from 1 to 65535 in decimal digits, got "0" in "redis://redis:0"',
    ],
    ['redis://redis:99999', 'expected a redis:// or rediss:// URL'],
    ['http://redis:6379', 'expected a redis:// or rediss:// URL'],
    ['localhost:6379', 'expected a redis:// or rediss:// URL'],
    ['redis://:6379', 'expected a redis:// or rediss:// URL'],
  ])('refuses %j, naming REDIS_URL', (url, problem) => {
    expect(redisUrlProblem(url)).toContain(problem);
    expect(() => loadConfig(schema, { REDIS_URL: url })).toThrow(`REDIS_URL: ${problem}`);
  });

  it('checks every seed of a cluster', () => {
    expect(() =>
      loadConfig(schema, {
        REDIS_CLUSTER: 'true',
        REDIS_URL: 'redis://10.0.0.1:7000,redis://10.0.0.300:7001',
      }),
    ).toThrow('REDIS_URL: "10.0.0.300" is not an IPv4 address');
  });
});
