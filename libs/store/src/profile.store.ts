import { type UserProfile } from '@app/events';
import { internalsOf, type RedisConnection } from './redis-connection';
import { toProfile } from './stored-values';

/**
 * Users' demographics, for cold start. A profile goes with the rest of the user's data when the
 * user is deleted (UserEventStore.deleteUser).
 */
export class ProfileStore {
  constructor(private readonly connection: RedisConnection) {}

  async save(userId: number, profile: UserProfile): Promise<void> {
    const { client, keys } = internalsOf(this.connection);
    await Promise.all([
      client.hset(keys.userProfile(userId), { ...profile, age: String(profile.age) }),
      client.sadd(keys.profiles(), String(userId)),
    ]);
  }

  /** Every stored profile, by userId. */
  async readAll(): Promise<Map<number, UserProfile>> {
    const { client, keys } = internalsOf(this.connection);
    const userIds = (await client.smembers(keys.profiles())).map(Number);
    const profiles = new Map<number, UserProfile>();
    for (let i = 0; i < userIds.length; i += 2_000) {
      const chunk = userIds.slice(i, i + 2_000);
      const raws = await Promise.all(
        chunk.map((userId) => client.hgetall(keys.userProfile(userId))),
      );
      chunk.forEach((userId, j) => {
        const profile = toProfile(raws[j] ?? {});
        if (profile) profiles.set(userId, profile);
      });
    }
    return profiles;
  }
}
