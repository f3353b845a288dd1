/**
 * swc options for jest: TypeScript with Nest's legacy decorators and their metadata, compiled to
 * CommonJS. Nest 12 ships ES modules, which jest on Node 20 cannot require, so those packages go
 * through the same transform (see transformIgnorePatterns in the jest configs).
 */
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
  },
  module: { type: 'commonjs', ignoreDynamic: false },
  sourceMaps: 'inline',
};
