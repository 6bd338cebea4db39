export * from './ingest-batch.handler';
export * from './ratings-file.publisher';
