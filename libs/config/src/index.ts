export * from './config.error';
export * from './env-fields';
export * from './kafka-config.schema';
export * from './listen-address';
export * from './load-config';
export * from './logging-config.schema';
export * from './redis-config.schema';
export * from './service-env';
