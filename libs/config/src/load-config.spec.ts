import { z } from 'zod';
import { ConfigError } from './config.error';
import { kafkaEnvSchema } from './kafka-config.schema';
import { loadConfig } from './load-config';
import { loggingEnvSchema } from './logging-config.schema';
import { redisEnvSchema } from './redis-config.schema';

const schema = z.object({
  ...kafkaEnvSchema.shape,
  ...redisEnvSchema.shape,
  ...loggingEnvSchema.shape,
});

describe(loadConfig.name, () => {
  it('fills every default from an empty environment', () => {
    const sut = loadConfig(schema, {});

    expect(sut).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_TOPIC_PARTITIONS: 4,
      KAFKA_SSL: false,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER: false,
      LOG_LEVEL: 'log',
    });
    expect(sut.KAFKA_SASL_MECHANISM).toBeUndefined();
    expect(sut.REDIS_PASSWORD).toBeUndefined();
  });

  it('parses lists, integers and booleans', () => {
    const sut = loadConfig(schema, {
      KAFKA_BROKERS: 'a:9092, b:9092',
      KAFKA_TOPIC_PARTITIONS: '12',
      REDIS_CLUSTER: 'true',
    });

    expect(sut).toMatchObject({
      KAFKA_BROKERS: ['a:9092', 'b:9092'],
      KAFKA_TOPIC_PARTITIONS: 12,
      REDIS_CLUSTER: true,
    });
  });

  it.each([
    ['KAFKA_BROKERS', ' , '],
    ['KAFKA_TOPIC_PARTITIONS', 'many'],
    ['KAFKA_TOPIC_PARTITIONS', '0'],
    ['KAFKA_RATINGS_TOPIC', 'bad topic!'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['REDIS_CLUSTER', 'maybe'],
    ['REDIS_KEY_PREFIX', 'has spaces'],
    ['REDIS_PASSWORD', ''],
    ['KAFKA_SSL', 'maybe'],
    ['KAFKA_SASL_MECHANISM', 'gssapi'],
    ['KAFKA_SASL_USERNAME', ''],
    ['KAFKA_SASL_PASSWORD', ''],
    ['LOG_LEVEL', 'info'],
    ['LOG_LEVEL', 'LOG'],
  ])('rejects a bad %s naming the variable', (variable, value) => {
    const load = () => loadConfig(schema, { [variable]: value });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`${variable}: `));
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig(schema, { KAFKA_BROKERS: '', REDIS_URL: 'nope' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([
        'KAFKA_BROKERS',
        'REDIS_URL',
      ]);
    }
  });
});
