import { allocateCsr } from './csr-matrix';
import { type RatingMatrix } from './rating-matrix';
import { seededRandom } from './seeded-random';

export interface SyntheticRatingsOptions {
  users: number;
  movies: number;
  /** Number of ratings (at most users x 30% of movies). */
  ratings: number;
  /** Latent taste groups: users of a group share which movies they watch and how they rate. */
  groups?: number;
  seed?: number;
  /** Called with the number of users generated so far. */
  onProgress?: (users: number) => void;
}

/** The Netflix Prize training set's shape. */
export const NETFLIX_PRIZE = { users: 480_189, movies: 17_770, ratings: 100_480_507 } as const;

/** Netflix-shaped options at a scale in (0, 1]: users and ratings scale, the catalogue does not. */
export function netflixShape(
  scale: number,
): Pick<SyntheticRatingsOptions, 'users' | 'movies' | 'ratings'> {
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`scale must be in (0, 1], got ${scale}`);
  return {
    users: Math.max(1, Math.round(NETFLIX_PRIZE.users * scale)),
    movies: NETFLIX_PRIZE.movies,
    ratings: Math.max(1, Math.round(NETFLIX_PRIZE.ratings * scale)),
  };
}

/**
 * Seeded synthetic ratings on a 1-5 integer scale with the structure of real catalogues:
 * power-law movie popularity, heavy-tailed user activity (log-normal), and latent taste groups
 * that tilt both which movies a user watches and how they rate them; exactly `ratings` distinct
 * (user, movie) pairs. Written straight into a CSR matrix of raw ratings, so the full Netflix
 * shape fits in about 1 GB.
 */
export function generateSyntheticRatings(options: SyntheticRatingsOptions): RatingMatrix {
  const { users, movies, ratings, groups = 24, seed = 1 } = options;
  const random = seededRandom(seed);
  const gaussian = gaussianFrom(random);

  // Movie popularity ~ 1 / (rank + 10)^1.1, shuffled over movie ids; a mean rating per movie.
  const popularity = new Float64Array(movies);
  const order = shuffled(movies, random);
  for (let rank = 0; rank < movies; rank++) popularity[order[rank]!] = 1 / (rank + 10) ** 1.1;
  const movieMean = Float64Array.from({ length: movies }, () =>
    clamp(3.6 + 0.45 * gaussian(), 1.5, 4.7),
  );

  // Each group likes some movies and dislikes others; that tilts viewing and ratings alike.
  const taste = new Float32Array(groups * movies);
  for (let i = 0; i < taste.length; i++) taste[i] = gaussian();
  const groupTables = Array.from({ length: groups }, (_, g) =>
    aliasTable(popularity.map((p, m) => p * Math.exp(0.9 * taste[g * movies + m]!))),
  );
  const groupWeights = Float64Array.from({ length: groups }, () => 0.5 + random());
  const groupOfUser = aliasTable(groupWeights);

  // User activity: log-normal with sigma 1.1, scaled so the counts add up to the target.
  const sigma = 1.1;
  const mean = ratings / users;
  const maxPerUser = Math.max(1, Math.floor(movies * 0.3));
  const counts = new Int32Array(users);
  let total = 0;
  for (let u = 0; u < users; u++) {
    const count = Math.round(mean * Math.exp(sigma * gaussian() - (sigma * sigma) / 2));
    counts[u] = clamp(count, 1, maxPerUser);
    total += counts[u]!;
  }
  // Nudge random users' counts by one until the total is exactly the number asked for.
  if (ratings > users * maxPerUser) {
    throw new RangeError(`${ratings} ratings do not fit ${users} users of ${maxPerUser} at most`);
  }
  while (total !== ratings) {
    const u = Math.floor(random() * users);
    const next = counts[u]! + (total < ratings ? 1 : -1);
    if (next < 1 || next > maxPerUser) continue;
    total += next - counts[u]!;
    counts[u] = next;
  }
  const matrix = allocateCsr(users, movies, total);
  const seen = new Int32Array(movies).fill(-1);
  let p = 0;
  for (let u = 0; u < users; u++) {
    matrix.rowPtr[u] = p;
    const group = groupOfUser(random);
    const table = groupTables[group]!;
    const bias = 0.35 * gaussian();
    const start = p;
    while (p - start < counts[u]!) {
      const movie = table(random);
      if (seen[movie] === u) continue;
      seen[movie] = u;
      matrix.colIndices[p++] = movie;
    }
    matrix.colIndices.subarray(start, p).sort();
    for (let q = start; q < p; q++) {
      const movie = matrix.colIndices[q]!;
      const score =
        movieMean[movie]! + bias + 0.8 * taste[group * movies + movie]! + 0.6 * gaussian();
      matrix.values[q] = clamp(Math.round(score), 1, 5);
    }
    if (options.onProgress && u % 10_000 === 0) options.onProgress(u);
  }
  matrix.rowPtr[users] = p;
  options.onProgress?.(users);
  return {
    matrix,
    userIds: Float64Array.from({ length: users }, (_, i) => i + 1),
    movieIds: Float64Array.from({ length: movies }, (_, i) => i + 1),
  };
}

const clamp = (value: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, value));

function shuffled(n: number, random: () => number): Int32Array {
  const items = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

function gaussianFrom(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

/** Walker's alias method: O(1) draws from a discrete distribution. */
function aliasTable(weights: Float64Array): (random: () => number) => number {
  const n = weights.length;
  const total = weights.reduce((a, w) => a + w, 0);
  const probability = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = weights.map((w) => (w * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((w, i) => (w < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    probability[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) probability[i] = 1;
  return (random) => {
    const i = Math.floor(random() * n);
    return random() < probability[i]! ? i : alias[i]!;
  };
}
