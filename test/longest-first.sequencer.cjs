// Runs the longest test files first, so no long file starts last and runs alone at the end. A
// file's duration comes from jest's cache of the last run here, or, on a fresh clone (CI), from
// test/durations.json (measured; `node scripts/test-durations.cjs <jest --json output>` renews it).
const { join, relative } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const ESTIMATES = require('./durations.json');
const ROOT = join(__dirname, '..');

class LongestFirst extends Sequencer {
  time(test) {
    return super.time(test) ?? ESTIMATES[relative(ROOT, test.path)] ?? 500;
  }
}

module.exports = LongestFirst;
