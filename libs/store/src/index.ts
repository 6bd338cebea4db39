export * from './lua-script';
export * from './ratings.repository';
export * from './redis-client';
export * from './redis-keys';
