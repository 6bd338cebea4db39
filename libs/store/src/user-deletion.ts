import { ModelStore } from './model.store';
import { type RedisConnection } from './redis-connection';
import { StaleModelsError, UserEventStore } from './user-events.store';

/** A model switch between look-up and deletion is rare; more stale answers in a row mean a fault. */
const STALE_MODEL_ATTEMPTS = 5;

/**
 * Deletion of a user's data on request (the right to erasure): UserEventStore.deleteUser applied
 * to the models active now, looked up again when one was published meanwhile.
 */
export class UserDeletion {
  private readonly users: UserEventStore;
  private readonly models: ModelStore;

  constructor(connection: RedisConnection) {
    this.users = new UserEventStore(connection);
    this.models = new ModelStore(connection);
  }

  /**
   * Deletes everything stored of the user and their contribution to every cluster aggregate;
   * their events with a timestamp up to `deletedAt` (in the events' unit, seconds) are ignored
   * from then on. Idempotent. Resolves to whether anything was deleted.
   */
  async deleteUser(userId: number, deletedAt: number): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const models = await this.models.activeModels();
      try {
        return await this.users.deleteUser(userId, deletedAt, models);
      } catch (error) {
        if (!(error instanceof StaleModelsError) || attempt >= STALE_MODEL_ATTEMPTS) throw error;
      }
    }
  }
}
