import { type ReadinessCheck } from '@app/observability';
import { type RedisConnection } from '@app/store';
import { type EventsConsumer } from './events.consumer';

/**
 * Ingest is ready while it is a member of its consumer group, every partition it owns makes
 * progress, and Redis answers.
 */
export const ingestReadinessChecks = (
  consumer: EventsConsumer,
  connection: RedisConnection,
): ReadinessCheck[] => [
  {
    name: 'kafka',
    check: async () => {
      const problem = consumer.notReady();
      if (problem !== undefined) throw new Error(problem);
      return Promise.resolve();
    },
  },
  { name: 'redis', check: () => connection.ping() },
];
