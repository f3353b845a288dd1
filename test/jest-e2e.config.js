/** End-to-end tests: the real app, real MCP servers, real clients, headless Chromium. */
module.exports = {
  ...require('../jest.shared.js'),
  displayName: 'e2e',
  rootDir: '..',
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/e2e-setup.cjs'],
  // Starts the run's build of the app in the background and one Chromium for every browser test.
  globalSetup: '<rootDir>/test/global-setup.cjs',
  globalTeardown: '<rootDir>/test/global-teardown.cjs',
};
