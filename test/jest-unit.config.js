/** Unit tests: the specs beside the code (src/, *.spec.ts), each subject alone with fakes. */
module.exports = {
  ...require('../jest.shared.js'),
  displayName: 'unit',
  rootDir: '..',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/unit-setup.cjs'],
};
