// Lets plain `node` require the project's TypeScript (the benchmark, the conformance adapter):
// each .ts file is compiled on load with swc and the jest settings, so nothing is built first.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');
const swc = require('../swc.config.js');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swc, filename });
  module._compile(code, filename);
};
