export * from './ingest-batch.handler';
