import { ConfigError, loadConfig } from '@app/config';
import { ingestEnvSchema } from './ingest.config';

describe('ingestEnvSchema', () => {
  it('fills every default from an empty environment', () => {
    const sut = loadConfig(ingestEnvSchema, {});

    expect(sut).toMatchObject({
      port: 3002,
      logLevel: 'log',
      groupId: 'ingest',
      retryInitialMs: 200,
      retryMaxMs: 5_000,
      partitionsConcurrently: 4,
      kafka: { brokers: ['127.0.0.1:9092'], ssl: false },
      redis: { url: 'redis://127.0.0.1:6379', cluster: false },
    });
  });

  it('reads the HTTP port, the log level and the Kafka credentials', () => {
    const sut = loadConfig(ingestEnvSchema, {
      INGEST_PORT: '8080',
      LOG_LEVEL: 'debug',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'ingest',
      KAFKA_SASL_PASSWORD: 'secret',
      REDIS_PASSWORD: 'redis-secret',
    });

    expect(sut).toMatchObject({
      port: 8080,
      logLevel: 'debug',
      kafka: {
        ssl: true,
        sasl: { mechanism: 'scram-sha-256', username: 'ingest', password: 'secret' },
      },
      redis: { password: 'redis-secret' },
    });
  });

  it.each([
    ['INGEST_PORT', '70000'],
    ['INGEST_PORT', 'tcp://10.0.0.1:3002'],
    ['INGEST_PORT', ''],
    ['INGEST_PORT', '0'],
    ['INGEST_PORT', '0xBBA'],
    ['INGEST_GROUP_ID', ''],
    ['INGEST_RETRY_INITIAL_MS', '0'],
    ['INGEST_RETRY_MAX_MS', 'soon'],
    ['INGEST_PARTITIONS_CONCURRENTLY', '-1'],
    ['KAFKA_BROKERS', ','],
    ['KAFKA_BROKERS', 'kafka'],
    ['KAFKA_BROKERS', '999.1.1.1:9092'],
    ['KAFKA_SSL', 'on'],
    ['KAFKA_SASL_MECHANISM', 'oauthbearer'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'redis://999.1.1.1:6379'],
    ['REDIS_CLUSTER', 'yes please'],
    ['LOG_LEVEL', 'trace'],
  ])('rejects a bad %s naming the variable', (variable, value) => {
    const load = () => loadConfig(ingestEnvSchema, { [variable]: value });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`${variable}: `));
  });

  it('names the missing SASL credential', () => {
    const load = () =>
      loadConfig(ingestEnvSchema, {
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'ingest',
      });

    expect(load).toThrow(/KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM is set/);
  });
});
