export * from './request-input.decorator';
export * from './request-validation.error';
