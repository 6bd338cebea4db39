import { type RedisConnection } from '@app/store';
import { type ConsumerReadiness, ingestReadinessChecks } from './ingest.readiness';

const consumer = (problem: string | undefined): ConsumerReadiness => ({ notReady: () => problem });
const connection = { ping: () => Promise.resolve() } as unknown as RedisConnection;

const kafkaCheck = (events: ConsumerReadiness, catalogue: ConsumerReadiness) => {
  const check = ingestReadinessChecks(events, catalogue, connection).find(
    (c) => c.name === 'kafka',
  );
  if (check === undefined) throw new Error('no kafka check');
  return check.check();
};

describe(ingestReadinessChecks.name, () => {
  it('is ready when both consumers consume', async () => {
    await expect(kafkaCheck(consumer(undefined), consumer(undefined))).resolves.toBeUndefined();
  });

  it("says the user events' problem first, then the catalogue's", async () => {
    await expect(kafkaCheck(consumer('waiting for Kafka'), consumer('joining'))).rejects.toThrow(
      'waiting for Kafka',
    );
    await expect(
      kafkaCheck(consumer(undefined), consumer('joining the consumer group g-catalogue')),
    ).rejects.toThrow('joining the consumer group g-catalogue');
  });
});
