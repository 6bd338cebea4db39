export * from './dashboard.reader';
export * from './model-snapshot';
export * from './movie-catalogue';
export * from './query-snapshot';
export * from './query-snapshot.cache';
export * from './query.errors';
export * from './recommender';
export * from './taste-factors';
