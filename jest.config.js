/** Unit tests: specs beside the code. */
module.exports = {
  ...require('./jest.shared.js'),
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
