// Renews test/durations.json, the sequencer's estimate of each test file's duration on a fresh
// clone, from a jest report: `npx jest --json --outputFile=/tmp/jest.json; node scripts/test-durations.cjs /tmp/jest.json`.
const { readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const durations = report.testResults
  .map((result) => [relative(ROOT, result.name), result.endTime - result.startTime])
  .filter(([, ms]) => ms >= 1000)
  .sort(([, a], [, b]) => b - a)
  .map(([file, ms]) => [file, Math.round(ms / 100) * 100]);
writeFileSync(join(ROOT, 'test', 'durations.json'), `${JSON.stringify(Object.fromEntries(durations), null, 2)}\n`);
console.log(`test/durations.json: ${durations.length} files`);
