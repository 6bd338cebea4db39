export * from './ingest-batch.handler';
export * from './ingest.observer';
export * from './ratings-file.publisher';
export * from './new-user.placer';
export * from './failure-isolation';
