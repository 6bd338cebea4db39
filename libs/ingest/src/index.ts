export * from './ingest-batch.handler';
export * from './ratings-file.publisher';
export * from './new-user.placer';
