import { type ReadinessCheck } from '@app/observability';
import { type RatingsRepository } from '@app/store';
import { type EventsConsumer } from './events.consumer';

/** Ingest is ready while it is a member of its consumer group and Redis answers. */
export const ingestReadinessChecks = (
  consumer: EventsConsumer,
  repository: RatingsRepository,
): ReadinessCheck[] => [
  {
    name: 'kafka',
    check: async () => {
      if (!consumer.isJoined) throw new Error('not a member of the consumer group');
      return Promise.resolve();
    },
  },
  { name: 'redis', check: () => repository.ping() },
];
