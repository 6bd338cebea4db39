import { type RedisConfig } from '@app/config';
import { RedisConnection, type RedisConnectionOptions } from './redis-connection';

type StoreClass = new (connection: RedisConnection) => unknown;

/**
 * Nest providers of one RedisConnection and the stores a service uses on it: each store is
 * injected by its class, so a consumer sees only the stores it asks for.
 */
export function storeProviders(
  config: RedisConfig,
  stores: readonly StoreClass[],
  options: RedisConnectionOptions = {},
) {
  return [
    { provide: RedisConnection, useFactory: () => new RedisConnection(config, options) },
    ...stores.map((Store) => ({
      provide: Store,
      useFactory: (connection: RedisConnection) => new Store(connection),
      inject: [RedisConnection],
    })),
  ];
}
