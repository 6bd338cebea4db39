export * from './ratings-format';
export * from './ratings-reader';
export * from './rating-columns';
export * from './movielens-file.error';
export * from './movies-reader';
export * from './users-reader';
export * from './feedback-reader';
export * from './movielens-file-kind';
