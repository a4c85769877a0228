// Unit specs live beside the code; the HTTP e2e suites live in test/.
const swc = ['@swc/jest', require('./test/harness/swc-options')];
const moduleNameMapper = {
  '^@tessera/messaging/testing$': '<rootDir>/libs/messaging/src/testing',
  '^@tessera/messaging/start-refusal$': '<rootDir>/libs/messaging/src/startup/start-refusal',
  '^@tessera/platform/tracing$': '<rootDir>/libs/platform/src/tracing',
  '^@tessera/(.*)$': '<rootDir>/libs/$1/src',
};
const shared = { transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node', rootDir: __dirname };

module.exports = {
  reporters: ['default', '<rootDir>/test/harness/skipped-tests.reporter.js'],
  testSequencer: '<rootDir>/test/harness/longest-first.sequencer.js',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/docker/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/harness/unit-timeout.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFiles: ['reflect-metadata'],
      slowTestThreshold: 30,
      setupFilesAfterEnv: ['<rootDir>/test/harness/e2e-timeout.ts'],
    },
  ],
};
