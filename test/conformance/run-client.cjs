// Entry point the conformance runner spawns (`node test/conformance/run-client.cjs <server-url>`):
// compiles the project's TypeScript on the fly with swc, then runs the adapter.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');
const swc = require('../../swc.config.js');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swc, filename });
  module._compile(code, filename);
};
require('./client.ts');
