export * from './als-factors.encoding';
export * from './cluster-aggregates.store';
export * from './ingest-counters.store';
export * from './model-description';
export * from './model.store';
export * from './movie-catalogue.store';
export * from './profile.store';
export * from './ratings-bulk.loader';
export * from './ratings-snapshot.reader';
export * from './recluster-schedule.store';
export * from './snapshot-contribution';
export { type RedisClient } from './lua-script';
export {
  createRedisClient,
  RedisConnection,
  type RedisConnectionOptions,
  RedisUnreachableError,
  ReplicaAckError,
  withoutPassword,
} from './redis-connection';
export * from './redis-unavailable';
export * from './user-events.store';
export * from './user-deletion';
export * from './store.providers';
