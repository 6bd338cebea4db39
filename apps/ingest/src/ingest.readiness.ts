import { type ReadinessCheck } from '@app/observability';
import { type RedisConnection } from '@app/store';

/** A consumer that can say why it is not consuming (EventsConsumer, CatalogueConsumer). */
export interface ConsumerReadiness {
  notReady(): string | undefined;
}

/**
 * Ingest is ready while it is a member of its consumer groups (user events and catalogue), every
 * partition of user events it owns makes progress, and Redis answers.
 */
export const ingestReadinessChecks = (
  events: ConsumerReadiness,
  catalogue: ConsumerReadiness,
  connection: RedisConnection,
): ReadinessCheck[] => [
  {
    name: 'kafka',
    check: async () => {
      const problem = events.notReady() ?? catalogue.notReady();
      if (problem !== undefined) throw new Error(problem);
      return Promise.resolve();
    },
  },
  { name: 'redis', check: () => connection.ping() },
];
