export * from './query-client.error';
export * from './query-request.schemas';
export * from './query-response.schemas';
export * from './query.client';
export * from './query.patterns';
