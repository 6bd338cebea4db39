export * from './cli-error';
export * from './progress-bar';
export * from './run-cli';
export * from './parse-arguments';
export * from './service-process';
export * from './command';
export * from './local-stack';
export * from './data-bound';
