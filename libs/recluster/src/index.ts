export * from './model-builder';
export * from './reclusterer';
export * from './candidate-overrides';
export * from './demographic-model.builder';
export * from './als-factors.builder';
export * from './item-neighbours.builder';
