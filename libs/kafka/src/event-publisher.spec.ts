import { type Kafka, type ProducerRecord } from 'kafkajs';
import { EventPublisher } from './event-publisher';
import { PublishError } from './publish.error';

/** A Kafka whose producer answers each send as `answer` says, given its 0-based index. */
function fakeKafka(answer: (send: number) => Promise<void>): { kafka: Kafka; sent: number[] } {
  const sent: number[] = [];
  const producer = {
    send: async ({ messages }: ProducerRecord) => {
      sent.push(messages.length);
      await answer(sent.length - 1);
    },
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, sent };
}

const brokerGone = new Error('Connection error: connect ECONNREFUSED');
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function publishAll(sut: EventPublisher, events: number): Promise<void> {
  for (let i = 0; i < events; i++) await sut.publish(i % 7, { i });
  await sut.flush();
}

describe(EventPublisher.name, () => {
  it('sends the events in batches and flushes the rest', async () => {
    const { kafka, sent } = fakeKafka(() => Promise.resolve());
    const sut = new EventPublisher(kafka, 'ratings', 10, 2);

    await publishAll(sut, 25);

    expect(sent).toEqual([10, 10, 5]);
  });

  it('stops at the first failed send, counting the events acknowledged before it', async () => {
    const { kafka, sent } = fakeKafka((send) =>
      send === 3 ? Promise.reject(brokerGone) : Promise.resolve(),
    );
    const sut = new EventPublisher(kafka, 'ratings', 10, 1);

    const failure = publishAll(sut, 100);

    await expect(failure).rejects.toThrow(PublishError);
    await expect(failure).rejects.toMatchObject({ topic: 'ratings', acknowledged: 30 });
    await expect(failure).rejects.toThrow(
      'publishing to ratings failed after the brokers acknowledged 30 events; the ones after ' +
        'may not have been written (Connection error: connect ECONNREFUSED)',
    );
    expect(sent).toHaveLength(4);
  });

  it('counts the sends in flight that succeed after one failed', async () => {
    // Three sends go out together; the first fails, and the two beside it are acknowledged
    // after the failure is known.
    const { kafka } = fakeKafka((send) =>
      send === 0 ? later(10).then(() => Promise.reject(brokerGone)) : later(50),
    );
    const sut = new EventPublisher(kafka, 'ratings', 10, 3);

    const failure = publishAll(sut, 100);

    await expect(failure).rejects.toMatchObject({ acknowledged: 20 });
  });
});
