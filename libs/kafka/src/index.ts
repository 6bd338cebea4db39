export * from './committing-consumer';
export * from './dead-letter.publisher';
export * from './kafka-client';
export * from './event-publisher';
export * from './consumer-group-lag';
export * from './publish.error';
export * from './topic-creation.error';
