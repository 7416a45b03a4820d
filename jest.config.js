// Two projects: pure tests run without a broker; broker-backed suites share one broker
// started by the global setup (or the one named by KAFKA_BOOTSTRAP).
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/golden/**/*.test.ts'],
    },
    {
      displayName: 'broker',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/conformance/**/*.test.ts', '<rootDir>/test/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-broker-timeout.ts'],
    },
  ],
};
