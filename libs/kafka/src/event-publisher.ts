import { type Kafka, type Message, type Producer } from 'kafkajs';
import { createProducer } from './kafka-client';
import { PublishError } from './publish.error';

/**
 * Publishes JSON events keyed by user (so one user's events stay in order on one partition), or
 * by movie on the catalogue topic.
 * Up to `maxInFlight` batches are in flight at once; `flush` waits for all of them. After a
 * failed send, the next call throws a PublishError counting the events acknowledged so far.
 */
export class EventPublisher {
  private readonly producer: Producer;
  private readonly inFlight = new Set<Promise<unknown>>();
  private pending: Message[] = [];
  private failure: unknown;
  private acknowledgedEvents = 0;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly batchSize = 5_000,
    private readonly maxInFlight = 4,
  ) {
    this.producer = createProducer(kafka);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Queues an event keyed by `key`: the user id of a user's event, the movie id of a movie. */
  async publish(key: number, event: object): Promise<void> {
    this.pending.push({ key: String(key), value: JSON.stringify(event) });
    if (this.pending.length >= this.batchSize) await this.send();
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.send();
    await Promise.all(this.inFlight);
    await this.throwIfFailed();
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }

  private async send(): Promise<void> {
    await this.throwIfFailed();
    const messages = this.pending;
    this.pending = [];
    const sent = this.producer
      .send({ topic: this.topic, acks: -1, messages })
      .then(
        () => {
          this.acknowledgedEvents += messages.length;
        },
        (error: unknown) => {
          this.failure ??= error;
        },
      )
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
    if (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
  }

  private async throwIfFailed(): Promise<void> {
    if (this.failure === undefined) return;
    // The count is exact once every send still in flight has settled.
    await Promise.all(this.inFlight);
    throw new PublishError(this.topic, this.acknowledgedEvents, this.failure);
  }
}
