import { type Cluster, type Redis } from 'ioredis';
import { type IngestEvent } from '@app/events';
import {
  aFavourite,
  applyToActiveModels,
  aRating,
  computeExpectedState,
  generateEvents,
  isolatedEnvironment,
  openStores,
  rawRedis,
  type TestStores,
} from '@app/testing';
import { type RatingsSnapshot, RatingsSnapshotReader } from './ratings-snapshot.reader';

/** A snapshot as user -> (movie -> rating) and user -> explicit favourites. */
function contentOf(snapshot: RatingsSnapshot) {
  const ratings = new Map<number, Map<number, number>>();
  const favourites = new Map<number, Set<number>>();
  for (let row = 0; row < snapshot.userIds.length; row++) {
    const userId = snapshot.userIds[row]!;
    const rated = new Map<number, number>();
    let previous = -1;
    for (let p = snapshot.ratings.rowPtr[row]!; p < snapshot.ratings.rowPtr[row + 1]!; p++) {
      const col = snapshot.ratings.colIndices[p]!;
      expect(col).toBeGreaterThan(previous);
      previous = col;
      rated.set(snapshot.movieIds[col]!, snapshot.ratings.values[p]!);
    }
    const favoured = new Set<number>();
    for (let p = snapshot.favourites.rowPtr[row]!; p < snapshot.favourites.rowPtr[row + 1]!; p++) {
      favoured.add(snapshot.movieIds[snapshot.favourites.colIndices[p]!]!);
    }
    if (rated.size > 0) ratings.set(userId, rated);
    if (favoured.size > 0) favourites.set(userId, favoured);
  }
  return { ratings, favourites };
}

/** What the oracle says was stored, in the same shape. */
function storedContent(events: readonly IngestEvent[]) {
  const expected = computeExpectedState(events, new Map());
  const ratings = new Map<number, Map<number, number>>();
  const favourites = new Map<number, Set<number>>();
  for (const [userId, user] of expected.users) {
    if (user.ratings.size > 0) {
      ratings.set(userId, new Map([...user.ratings].map(([movie, { rating }]) => [movie, rating])));
    }
  }
  for (const event of events) {
    if (event.kind !== 'favourite') continue;
    const set = favourites.get(event.userId) ?? new Set<number>();
    set.add(event.movieId);
    favourites.set(event.userId, set);
  }
  return { ratings, favourites };
}

describe(RatingsSnapshotReader.name, () => {
  let stores: TestStores;
  let raw: Redis | Cluster;
  let prefix: string;

  beforeEach(() => {
    const { redis } = isolatedEnvironment();
    stores = openStores(redis);
    raw = rawRedis(redis);
    prefix = redis.keyPrefix;
  });

  afterEach(async () => {
    raw.disconnect();
    await stores.close();
  });

  it('reads exactly the ratings and favourites stored, rows by user, columns by movie', async () => {
    const events = [
      ...generateEvents(2_000, { seed: 21, users: 40, movies: 60 }),
      // Ids beyond an array's reach, and a favourite of a movie nobody rated.
      aRating({ userId: 2 ** 40, movieId: 2 ** 35, rating: 4.5 }),
      aFavourite({ userId: 2 ** 40, movieId: 777 }),
    ];
    await applyToActiveModels(stores, events);

    const snapshot = await stores.ratings.read({ pageUsers: 7 });

    expect([...snapshot.userIds]).toEqual([...snapshot.userIds].sort((a, b) => a - b));
    expect([...snapshot.movieIds]).toEqual([...snapshot.movieIds].sort((a, b) => a - b));
    expect(contentOf(snapshot)).toEqual(storedContent(events));
    expect(snapshot.ratings.rowPtr[snapshot.ratings.rows]).toBe(
      [...storedContent(events).ratings.values()].reduce((n, m) => n + m.size, 0),
    );
  });

  it('reads each user once, as stored when read, while users are added and removed', async () => {
    const events = generateEvents(1_500, { seed: 22, users: 30, movies: 40 });
    await applyToActiveModels(stores, events);
    const removed = [3, 17, 29];
    const added = [
      aRating({ userId: 1_001, movieId: 5, rating: 4 }),
      aRating({ userId: 1_002, movieId: 6, rating: 2 }),
    ];
    let changed = false;
    const changes: Promise<unknown>[] = [];

    const snapshot = await stores.ratings.read({
      pageUsers: 4,
      pagesInFlight: 1,
      onProgress: (users) => {
        if (changed || users < 4) return;
        changed = true;
        // Removed as a user's deletion removes them: keys and index entry together. Not waited
        // for: they land while the read goes on.
        for (const u of removed)
          changes.push(raw.del(`${prefix}:{u:${u}}:ratings`, `${prefix}:{u:${u}}:favs`));
        changes.push(raw.srem(`${prefix}:users`, ...removed.map(String)));
        changes.push(applyToActiveModels(stores, added));
      },
    });
    await Promise.all(changes);

    const read = contentOf(snapshot);
    const stored = storedContent(events);
    const ids = [...snapshot.userIds];
    expect(new Set(ids).size).toBe(ids.length);
    for (const [userId, ratings] of read.ratings) {
      // Every user read has exactly what was stored: before a removal, or after an addition.
      const expected = stored.ratings.get(userId) ?? storedContent(added).ratings.get(userId);
      expect(ratings).toEqual(expected);
    }
    for (const [userId] of stored.ratings) {
      if (!removed.includes(userId)) expect(read.ratings.has(userId)).toBe(true);
    }
    expect(changed).toBe(true);
  });
});
