export * from './model-snapshot';
export * from './model-snapshot.cache';
export * from './movie-catalogue';
export * from './query.errors';
export * from './recommender';
export * from './dashboard.reader';
