import { ConfigError, loadConfig } from '@app/config';
import { reclusterEnvSchema } from './recluster.config';

describe('reclusterEnvSchema', () => {
  it('fills every default from an empty environment', () => {
    const sut = loadConfig(reclusterEnvSchema, {});

    expect(sut.settings).not.toHaveProperty('als');
    expect(sut).toMatchObject({
      port: 3001,
      logLevel: 'log',
      intervalMs: 3_600_000,
      afterEvents: 100_000,
      pollMs: 5_000,
      settings: { k: 5, minClusterSize: 5, values: 'binary', normalize: true, keepVersions: 3 },
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'mr', cluster: false },
    });
  });

  it('trains ALS only when enabled, with the model seed and its own settings', () => {
    const sut = loadConfig(reclusterEnvSchema, {
      RECLUSTER_ALS: 'true',
      RECLUSTER_ALS_FACTORS: '16',
      RECLUSTER_ALS_REGULARIZATION: '0.1',
      RECLUSTER_SEED: '9',
    });

    expect(sut.settings.als).toEqual({ factors: 16, iterations: 10, regularization: 0.1, seed: 9 });
    const off = loadConfig(reclusterEnvSchema, { RECLUSTER_ALS_FACTORS: '16' });
    expect(off.settings).not.toHaveProperty('als');
  });

  it('builds item neighbourhoods only when enabled, of the size asked for', () => {
    const sut = loadConfig(reclusterEnvSchema, {
      RECLUSTER_ITEM_KNN: 'true',
      RECLUSTER_ITEM_KNN_NEIGHBOURS: '25',
    });

    expect(sut.settings.itemKnn).toEqual({ neighbours: 25 });
    expect(loadConfig(reclusterEnvSchema, { RECLUSTER_ITEM_KNN: 'true' }).settings.itemKnn).toEqual(
      { neighbours: 200 },
    );
    expect(loadConfig(reclusterEnvSchema, {}).settings).not.toHaveProperty('itemKnn');
  });

  it('ignores the Kafka settings every service receives from the shared ConfigMap', () => {
    const sut = loadConfig(reclusterEnvSchema, {
      KAFKA_BROKERS: 'kafka:9092',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
    });

    expect(sut).not.toHaveProperty('kafka');
  });

  it.each([
    ['RECLUSTER_PORT', '-1'],
    ['RECLUSTER_PORT', ''],
    ['RECLUSTER_PORT', '0'],
    ['RECLUSTER_PORT', '0xBB9'],
    ['RECLUSTER_K', '0'],
    ['RECLUSTER_MIN_CLUSTER_SIZE', 'few'],
    ['RECLUSTER_VALUES', 'raw-ish'],
    ['RECLUSTER_NORMALIZE_ROWS', 'sometimes'],
    ['RECLUSTER_SEED', '1.5'],
    ['RECLUSTER_RESTARTS', '101'],
    ['RECLUSTER_ALS', 'maybe'],
    ['RECLUSTER_ALS_FACTORS', '0'],
    ['RECLUSTER_ALS_ITERATIONS', '101'],
    ['RECLUSTER_ALS_REGULARIZATION', '0'],
    ['RECLUSTER_ITEM_KNN', 'yes please'],
    ['RECLUSTER_ITEM_KNN_NEIGHBOURS', '1001'],
    ['RECLUSTER_DEMOGRAPHIC_K', '0'],
    ['RECLUSTER_KEEP_VERSIONS', '0'],
    ['RECLUSTER_LOCK_TTL_MS', '10'],
    ['RECLUSTER_INTERVAL_MS', '999'],
    ['RECLUSTER_AFTER_EVENTS', '0'],
    ['RECLUSTER_POLL_MS', '5'],
    ['REDIS_URL', 'https://redis'],
    ['REDIS_PASSWORD', ''],
    ['LOG_LEVEL', 'silent'],
  ])('rejects a bad %s naming the variable', (variable, value) => {
    const load = () => loadConfig(reclusterEnvSchema, { [variable]: value });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`${variable}: `));
  });
});
