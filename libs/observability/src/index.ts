export * from './health.controller';
export * from './http-metrics.hook';
export * from './json.logger';
export * from './metrics-registry.factory';
export * from './metrics.controller';
export * from './observability.module';
export * from './readiness-check';
export * from './shutdown-deadline';
