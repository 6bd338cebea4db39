export * from './csr-matrix';
export * from './rating-matrix';
export * from './seeded-random';
export * from './sparse-kmeans';
export * from './synthetic-ratings';
export * from './merge-small-clusters';
export * from './choose-k';
