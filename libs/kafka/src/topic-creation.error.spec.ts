import { KafkaJSAggregateError, KafkaJSConnectionError } from 'kafkajs';
import { TopicCreationError } from './topic-creation.error';

/** What kafkajs throws when the brokers refuse topics: one error per topic, naming it. */
function refusedByBrokers(...topics: string[]): KafkaJSAggregateError {
  return new KafkaJSAggregateError(
    'Topic creation errors',
    topics.map((topic) =>
      Object.assign(new Error('Replication-factor is invalid'), {
        topic,
        type: 'INVALID_REPLICATION_FACTOR',
      }),
    ),
  );
}

describe(TopicCreationError.name, () => {
  it('reads each refused topic and its reason from a kafkajs creation failure', () => {
    expect(TopicCreationError.refusalsOf(refusedByBrokers('ratings', 'ratings.dlq'))).toEqual([
      { topic: 'ratings', reason: 'Replication-factor is invalid' },
      { topic: 'ratings.dlq', reason: 'Replication-factor is invalid' },
    ]);
  });

  it('reads no refusals from any other error', () => {
    expect(TopicCreationError.refusalsOf(new KafkaJSConnectionError('closed'))).toBeUndefined();
  });

  it('says what was refused, why, and the layout asked for, naming its variables', () => {
    const cause = refusedByBrokers('ratings');
    const refusals = TopicCreationError.refusalsOf(cause) ?? [];

    const sut = new TopicCreationError(
      refusals,
      { partitions: 4, replicationFactor: 3, minInsyncReplicas: 2 },
      cause,
    );

    expect(sut.message).toBe(
      'the brokers refused to create ratings (Replication-factor is invalid); the topics were ' +
        'asked for with KAFKA_TOPIC_PARTITIONS=4, KAFKA_TOPIC_REPLICATION_FACTOR=3, ' +
        'KAFKA_TOPIC_MIN_INSYNC_REPLICAS=2',
    );
    expect(sut.cause).toBe(cause);
  });
});
