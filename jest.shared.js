const swc = require('./swc.config.js');

// ES-module-only packages (Nest 12 and its helpers, jose) are compiled to CommonJS for jest on Node 20.
const ESM_PACKAGES = ['@nestjs', 'jose', 'uid', 'load-esm', 'file-type', 'token-types', 'strtok3', '@tokenizer', 'uint8array-extras'];

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    '^.+\\.m?js$': ['@swc/jest', { ...swc, jsc: { ...swc.jsc, parser: { syntax: 'ecmascript' } } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
};
