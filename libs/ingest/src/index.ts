export * from './ingest-batch.handler';
export * from './ingest.observer';
export * from './ratings-file.publisher';
export * from './new-user.placer';
export * from './failure-isolation';
export * from './catalogue-batch.handler';
export * from './feedback-file.publisher';
export * from './movies-file.publisher';
