import { type Redis } from 'ioredis';
import { type IngestEvent } from '@app/events';
import { DEFAULT_SHRINKAGE } from '@app/recommend';
import { createRedisClient, RatingsRepository } from '@app/store';
import { aFavourite, aRating, isolatedEnvironment, publishModel } from '@app/testing';
import { ModelSnapshotCache } from './model-snapshot.cache';
import { MovieCatalogue } from './movie-catalogue';
import { Recommender } from './recommender';

const MOVIES = 40;
const HEAVY_USER = 1;
const LIGHT_USER = 2;
const UNKNOWN_USER = 99;

// Cluster 0: the heavy user, who rated the first 30 movies and favourited movie 35, and two
// users who rated everything; cluster 1: two users who rated the second half.
const events: IngestEvent[] = [
  ...Array.from({ length: 30 }, (_, i) =>
    aRating({ userId: HEAVY_USER, movieId: i + 1, rating: 3 }),
  ),
  aFavourite({ userId: HEAVY_USER, movieId: 35 }),
  ...[LIGHT_USER, 3].flatMap((userId) =>
    Array.from({ length: MOVIES }, (_, i) =>
      aRating({ userId, movieId: i + 1, rating: 1 + ((i * userId) % 9) / 2 }),
    ),
  ),
  ...[4, 5].flatMap((userId) =>
    Array.from({ length: MOVIES / 2 }, (_, i) =>
      aRating({ userId, movieId: MOVIES / 2 + i + 1, rating: 4 }),
    ),
  ),
];
const assignments = new Map([
  [HEAVY_USER, 0],
  [LIGHT_USER, 0],
  [3, 0],
  [4, 1],
  [5, 1],
]);

describe(Recommender.name, () => {
  let requests: RatingsRepository;
  let snapshots: RatingsRepository;
  let client: Redis;
  let sut: Recommender;

  beforeAll(async () => {
    const { redis } = isolatedEnvironment();
    // The request path's client, as the query service builds it.
    client = createRedisClient(redis, { failFastMs: 1_000 }) as Redis;
    requests = new RatingsRepository(redis, client);
    snapshots = new RatingsRepository(redis);
    await snapshots.applyEvents(events);
    await publishModel(snapshots, { clusters: 2, assignments });
    const cache = new ModelSnapshotCache(snapshots, DEFAULT_SHRINKAGE);
    await cache.refresh();
    sut = new Recommender(requests, cache, new MovieCatalogue());
    // Loads the script into Redis, so the counts below are of requests as they run from then on.
    await sut.recommendations({ userId: LIGHT_USER, limit: 1, rank: 'rating' });
  });

  afterAll(async () => {
    await snapshots.deleteAll();
    await Promise.all([requests.close(), snapshots.close()]);
  });

  const commandsFor = async (userId: number) => {
    const sent = jest.spyOn(client, 'sendCommand');
    try {
      const answer = await sut.recommendations({ userId, limit: 10, rank: 'rating' });
      return { answer, commands: sent.mock.calls.map(([command]) => command.name) };
    } finally {
      sent.mockRestore();
    }
  };

  it('reads a clustered user, however many movies they saw, in one command', async () => {
    const { answer, commands } = await commandsFor(HEAVY_USER);

    expect(commands).toEqual(['evalsha']);
    expect(answer).toMatchObject({ basis: 'cluster', cluster: 0 });
    // Cluster 0 rated all 40 movies; the heavy user saw 1-30 and 35.
    expect(answer.items.map((item) => item.movieId).sort((a, b) => a - b)).toEqual([
      31, 32, 33, 34, 36, 37, 38, 39, 40,
    ]);
  });

  it('reads a user it does not know in one command, and answers with popular movies', async () => {
    const { answer, commands } = await commandsFor(UNKNOWN_USER);

    expect(commands).toEqual(['evalsha']);
    expect(answer.basis).toBe('popularity');
    expect(answer.items).toHaveLength(10);
  });
});
