import { type Cluster, type Redis } from 'ioredis';
import { type RedisConfig } from '@app/config';
import {
  aModelDescription,
  applyToActiveModels,
  aRating,
  isolatedEnvironment,
  keysOf as keysUnder,
  openStores,
  rawRedis,
  publishModel,
  type TestStores,
} from '@app/testing';
import { ModelRecordError } from './model-description';
import { ModelStore } from './model.store';

describe(ModelStore.name, () => {
  let stores: TestStores;
  let raw: Redis | Cluster;
  let prefix: string;
  let config: RedisConfig;

  beforeEach(() => {
    const { redis } = isolatedEnvironment();
    stores = openStores(redis);
    raw = rawRedis(redis);
    prefix = redis.keyPrefix;
    config = redis;
  });

  afterEach(async () => {
    raw.disconnect();
    await stores.close();
  });

  const keysOf = async (pattern: string) => (await keysUnder(config, pattern)).sort();

  it('stores a model and reads it back, description parsed', async () => {
    const description = aModelDescription(7, 2, { sizes: [3, 1], inertia: 1.25 });
    await stores.models.save({
      description,
      centroids: Float32Array.of(0.5, -0.5),
      movieIds: Float64Array.of(2 ** 40),
    });

    const loaded = await stores.models.load(7);

    expect(loaded?.description).toEqual(description);
    expect([...loaded!.centroids]).toEqual([0.5, -0.5]);
    expect([...loaded!.movieIds]).toEqual([2 ** 40]);
  });

  it('refuses a stored description that does not parse, naming the model', async () => {
    await raw.set(`${prefix}:{m:3}:description`, JSON.stringify({ version: 3, clusters: 2 }));

    await expect(stores.models.describe(3)).rejects.toThrow(ModelRecordError);
    await expect(stores.models.describe(3)).rejects.toThrow(/model 3 is invalid: .*settings/);
  });

  it('deletes a version with every key of it, and nothing else', async () => {
    const assignments = new Map([
      [1, 0],
      [2, 1],
    ]);
    await applyToActiveModels(stores, [
      aRating({ userId: 1, movieId: 10, rating: 5 }),
      aRating({ userId: 2, movieId: 11, rating: 4 }),
    ]);
    const first = await publishModel(stores, { clusters: 2, assignments });
    const second = await publishModel(stores, { clusters: 2, assignments });
    expect(await keysOf(`{c:${first}:*`)).not.toEqual([]);

    await stores.models.delete(first);

    expect(await keysOf(`{c:${first}:*`)).toEqual([]);
    expect(await keysOf(`{m:${first}}:*`)).toEqual([]);
    expect(await keysOf(`{c:${second}:*`)).not.toEqual([]);
    expect(await keysOf(`{m:${second}}:*`)).not.toEqual([]);
    expect(await stores.models.describe(first)).toBeUndefined();
  });

  it('lists the kept versions, oldest first, and drops the oldest beyond the count', async () => {
    const versions = [];
    for (let i = 0; i < 3; i++) {
      versions.push(await publishModel(stores, { clusters: 1, assignments: new Map() }));
    }

    const history = await stores.models.history();

    expect(history.map((entry) => entry.version)).toEqual(versions);
    expect(history.map((entry) => entry.description?.clusters)).toEqual([1, 1, 1]);
    expect(await stores.models.currentVersion()).toBe(versions[2]);
  });
});
