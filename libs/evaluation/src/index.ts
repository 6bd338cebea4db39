export * from './accuracy-metrics';
export * from './cluster-heatmap';
export * from './evaluation-args.schema';
export * from './evaluation-data.loader';
export * from './evaluation-summary';
export * from './evaluator';
export * from './ranking-metrics';
export * from './rating-split';
