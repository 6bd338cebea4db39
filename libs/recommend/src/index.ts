export * from './cluster-aggregates';
export * from './cluster-ranking';
export * from './movie-statistics';
export * from './demographic-model';
export * from './user-placement';
export * from './item-knn';
export * from './bias-baseline';
