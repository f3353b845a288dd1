/** End-to-end tests: the real app, real MCP servers over stdio, real clients. */
module.exports = {
  ...require('../jest.shared.js'),
  rootDir: '..',
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
