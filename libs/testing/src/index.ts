export * from './event.factory';
export * from './expected-state';
export * from './redis-state';
export * from './test-environment';
export * from './kafka-helpers';
export * from './tcp-proxy';
export * from './model.fixture';
export * from './cli-process';
