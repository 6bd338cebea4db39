import { loadConfig } from './load-config';
import { redisEnvSchema, toRedisConfig } from './redis-config.schema';

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
