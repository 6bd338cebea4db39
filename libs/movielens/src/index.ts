export * from './ratings-file.error';
export * from './ratings-format';
export * from './ratings-reader';
export * from './rating-columns';
