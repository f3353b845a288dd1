// tsc compiles only TypeScript: the Lua scripts that sit beside their callers are copied to dist/
// (or to the folder given, for a build elsewhere).
const { cpSync, readdirSync } = require('node:fs');
const { join, relative } = require('node:path');

const src = join(__dirname, '..', 'src');
const dist = process.argv[2] ?? join(__dirname, '..', 'dist');

function copyLua(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      copyLua(path);
    } else if (entry.name.endsWith('.lua')) {
      cpSync(path, join(dist, relative(src, path)));
    }
  }
}

copyLua(src);
