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
});
