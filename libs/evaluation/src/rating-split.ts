import { type RatingColumns, seededRandom } from '@app/clustering';

export interface RatingSplit {
  train: RatingColumns;
  test: RatingColumns;
}

export interface SplitOptions {
  seed: number;
  /** Share of each user's ratings held out; default 0.2. */
  testFraction?: number;
}

/**
 * One rating per (user, movie): the last in input order, as ingestion keeps it (last writer
 * wins) and as the rating matrix keeps it. Order otherwise preserved.
 */
export function latestRatings(ratings: RatingColumns): RatingColumns {
  const lastIndex = new Map<string, number>();
  for (let i = 0; i < ratings.userIds.length; i++) {
    lastIndex.set(`${ratings.userIds[i]}:${ratings.movieIds[i]}`, i);
  }
  if (lastIndex.size === ratings.userIds.length) return ratings;
  const keep = Int32Array.from(lastIndex.values()).sort();
  return select(ratings, keep);
}

/**
 * Holds out `testFraction` of each user's ratings (rounded, always leaving the user one training
 * rating). Each user's choice comes from a generator seeded by the seed and the user id over the
 * user's ratings in movie order, so it depends on nothing else: not the file order, not the
 * other users.
 */
export function splitPerUser(ratings: RatingColumns, options: SplitOptions): RatingSplit {
  const { seed, testFraction = 0.2 } = options;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be in [0, 1), got ${testFraction}`);
  }
  const unique = latestRatings(ratings);
  const byUser = new Map<number, number[]>();
  for (let i = 0; i < unique.userIds.length; i++) {
    const user = unique.userIds[i] ?? 0;
    let indices = byUser.get(user);
    if (indices === undefined) byUser.set(user, (indices = []));
    indices.push(i);
  }
  const isTest = new Uint8Array(unique.userIds.length);
  for (const [user, indices] of byUser) {
    indices.sort((a, b) => (unique.movieIds[a] ?? 0) - (unique.movieIds[b] ?? 0));
    const held = Math.min(Math.round(indices.length * testFraction), indices.length - 1);
    const random = seededRandom(userSeed(seed, user));
    // A partial Fisher-Yates shuffle: the first `held` places get a uniform sample.
    for (let i = 0; i < held; i++) {
      const j = i + Math.floor(random() * (indices.length - i));
      const chosen = indices[j] ?? 0;
      indices[j] = indices[i] ?? 0;
      indices[i] = chosen;
      isTest[chosen] = 1;
    }
  }
  const train: number[] = [];
  const test: number[] = [];
  isTest.forEach((flag, i) => (flag === 1 ? test : train).push(i));
  return {
    train: select(unique, Int32Array.from(train)),
    test: select(unique, Int32Array.from(test)),
  };
}

/** A 32-bit seed per user: the murmur3 finaliser over the pair, so near seeds differ widely. */
function userSeed(seed: number, userId: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ userId;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function select(ratings: RatingColumns, indices: Int32Array): RatingColumns {
  const pick = <T extends Int32Array | Float32Array | Float64Array>(column: T): T => {
    const into = new (column.constructor as new (length: number) => T)(indices.length);
    indices.forEach((index, i) => (into[i] = column[index] ?? 0));
    return into;
  };
  return {
    userIds: pick(ratings.userIds),
    movieIds: pick(ratings.movieIds),
    ratings: pick(ratings.ratings),
  };
}
