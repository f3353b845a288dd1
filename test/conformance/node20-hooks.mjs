// Module hooks for the 0.2.x conformance runner on Node 20: it imports fs.globSync (Node 22), only
// for its tier-check command, which these tests do not run. Its `fs` becomes Node's fs plus a
// globSync that says so; nothing else is changed.
const FS_WITH_GLOB = `data:text/javascript,${encodeURIComponent(
  [
    "import fs from 'node:fs';",
    "export * from 'node:fs';",
    'export default fs;',
    "export function globSync() { throw new Error('fs.globSync needs Node 22'); }",
  ].join('\n'),
)}`;

export async function resolve(specifier, context, next) {
  const fromRunner = context.parentURL?.includes('/@modelcontextprotocol/conformance-2026/');
  if (fromRunner && (specifier === 'fs' || specifier === 'node:fs')) {
    return { url: FS_WITH_GLOB, shortCircuit: true };
  }
  return next(specifier, context);
}
