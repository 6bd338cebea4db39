export * from './error-answer';
export * from './http-error.filter';
export * from './request-input.decorator';
export * from './request-validation.error';
export * from './unmatched-route.controller';
