/**
 * One jest run for every test: the unit specs beside the code and the end-to-end tests in test/,
 * on a shared pool of workers, the longest files first (test/longest-first.sequencer.cjs).
 * `npm run test:unit` and `npm run test:e2e` select one project.
 */
module.exports = {
  projects: ['<rootDir>/test/jest-unit.config.js', '<rootDir>/test/jest-e2e.config.js'],
  // A 2-core machine that mostly waits (on child processes, sockets and a browser): more workers
  // than cores. JEST_WORKERS overrides it.
  maxWorkers: Number(process.env.JEST_WORKERS ?? 4),
  testSequencer: '<rootDir>/test/longest-first.sequencer.cjs',
};
