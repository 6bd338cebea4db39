export * from './model-builder';
export * from './reclusterer';
