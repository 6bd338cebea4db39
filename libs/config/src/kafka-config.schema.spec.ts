import { ConfigError } from './config.error';
import { brokerProblem, kafkaEnvSchema, toKafkaConfig } from './kafka-config.schema';
import { type Env, loadConfig } from './load-config';

const schema = kafkaEnvSchema.transform((env, ctx) => toKafkaConfig(env, ctx));

const problemsOf = (env: Env): string[] => {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe(toKafkaConfig.name, () => {
  it('connects in plain text and without SASL by default', () => {
    const sut = loadConfig(schema, {});

    expect(sut.ssl).toBe(false);
    expect(sut.sasl).toBeUndefined();
  });

  it('names the user event topics and the catalogue topic, each renamable', () => {
    expect(loadConfig(schema, {})).toMatchObject({
      topics: { rating: 'ratings', favourite: 'favourites', feedback: 'feedback' },
      moviesTopic: 'movies',
    });
    const sut = loadConfig(schema, { KAFKA_FEEDBACK_TOPIC: 'fb', KAFKA_MOVIES_TOPIC: 'titles' });

    expect(sut.topics.feedback).toBe('fb');
    expect(sut.moviesTopic).toBe('titles');
    expect(sut.topicLayout.compacted).toEqual(['titles']);
    expect(problemsOf({ KAFKA_FEEDBACK_TOPIC: 'bad topic!' })).toEqual(['KAFKA_FEEDBACK_TOPIC']);
  });

  it('refuses one topic name for two purposes, naming the second variable', () => {
    expect(problemsOf({ KAFKA_FEEDBACK_TOPIC: 'ratings' })).toEqual(['KAFKA_FEEDBACK_TOPIC']);
    expect(problemsOf({ KAFKA_RATINGS_TOPIC: 'x', KAFKA_MOVIES_TOPIC: 'x' })).toEqual([
      'KAFKA_MOVIES_TOPIC',
    ]);
  });

  it('turns on TLS and SASL with the mechanism and both credentials', () => {
    const sut = loadConfig(schema, {
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'recommender',
      KAFKA_SASL_PASSWORD: 's3cret',
    });

    expect(sut.ssl).toBe(true);
    expect(sut.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'recommender',
      password: 's3cret',
    });
  });

  it.each([
    [{ KAFKA_SASL_PASSWORD: 'p' }, ['KAFKA_SASL_USERNAME']],
    [{ KAFKA_SASL_USERNAME: 'u' }, ['KAFKA_SASL_PASSWORD']],
    [{}, ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']],
  ])('names the missing credential when a mechanism is set (%o)', (credentials, missing) => {
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'plain', ...credentials })).toEqual(missing);
  });

  it('says why a credential is required', () => {
    expect(() => loadConfig(schema, { KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toThrow(
      /KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM is set/,
    );
  });

  it('ignores credentials without a mechanism, as an unset mechanism means no SASL', () => {
    const sut = loadConfig(schema, { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });

    expect(sut.sasl).toBeUndefined();
  });
});

describe(brokerProblem.name, () => {
  it('accepts host:port with a name or an IPv4 address', () => {
    const sut = loadConfig(schema, { KAFKA_BROKERS: 'kafka-0.kafka:9092, 10.0.0.5:9093' });

    expect(sut.brokers).toEqual(['kafka-0.kafka:9092', '10.0.0.5:9093']);
  });

  it.each([
    ['kafka', 'expected host:port, got "kafka"'],
    ['kafka:9092:1', 'expected host:port, got "kafka:9092:1"'],
    ['[::1]:9092', 'expected host:port, got "[::1]:9092"'],
    [':9092', 'expected an IP address or a host name, got "" in ":9092"'],
    ['999.1.1.1:9092', '"999.1.1.1" is not an IPv4 address in "999.1.1.1:9092"'],
    ['kafka:', 'expected a port from 1 to 65535 in decimal digits, got "" in "kafka:"'],
    ['kafka:0', 'expected a port from 1 to 65535 in decimal digits, got "0" in "kafka:0"'],
    [
      'kafka:0x2384',
      'expected a port from 1 to 65535 in decimal digits, got "0x2384" in "kafka:0x2384"',
    ],
  ])('refuses the broker %j, naming KAFKA_BROKERS', (broker, problem) => {
    expect(brokerProblem(broker)).toBe(problem);
    expect(() => loadConfig(schema, { KAFKA_BROKERS: `kafka-0:9092,${broker}` })).toThrow(
      `KAFKA_BROKERS: ${problem}`,
    );
  });
});
