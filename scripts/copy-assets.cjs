// tsc compiles only TypeScript: the Lua scripts that sit beside their callers are copied to dist/.
const { cpSync, readdirSync } = require('node:fs');
const { join, relative } = require('node:path');

const src = join(__dirname, '..', 'src');
const dist = join(__dirname, '..', 'dist');

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
