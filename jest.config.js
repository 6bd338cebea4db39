// @ts-check
/** Unit tests are pure and fast; integration and e2e tests share one real Kafka broker and Redis. */

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  },
];

// ES-module-only packages (ml-kmeans and its dependencies, @nestjs/terminus) are compiled to
// CommonJS for Jest, whose module system does not load ES modules; Node itself loads them
// through require().
const esmPackages = [
  '@nestjs/terminus',
  'ml-kmeans',
  'ml-distance-euclidean',
  'ml-nearest-vector',
  'is-any-array',
  'ml-array-rescale',
  'ml-array-max',
  'ml-array-min',
  'ml-spectra-processing',
];
const esmToCommonJs = ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }];

/** @type {import('jest').Config} */
const shared = {
  rootDir: '.',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc, '^.+\\.js$': esmToCommonJs },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: { '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src' },
};

// The failure drills kill nodes of a Redis Cluster and of a Kafka cluster, so they run only on
// those (`npm run test:cluster` starts them).
const onClusters = process.env.REDIS_MODE === 'cluster' && process.env.KAFKA_NODES === '3';

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/deploy/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/{apps,libs}/**/*.integration-spec.ts',
        '<rootDir>/test/**/*.e2e-spec.ts',
        ...(onClusters ? ['<rootDir>/test/drills/*.drill-spec.ts'] : []),
      ],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/integration-timeout.ts'],
    },
  ],
};
