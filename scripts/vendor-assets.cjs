// PMCChat loads nothing from another origin: the browser libraries it uses are copied from
// node_modules into public/pmc/vendor/ (git-ignored) after `npm install` and at every build.
// Prism highlights code blocks: its core and the languages models write most, in one file, in
// dependency order, with automatic highlighting off (the page highlights what it renders).
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const PRISM_LANGUAGES = [
  'clike',
  'markup',
  'css',
  'javascript',
  'typescript',
  'jsx',
  'tsx',
  'json',
  'bash',
  'python',
  'sql',
  'yaml',
  'go',
  'rust',
  'java',
  'c',
  'cpp',
  'diff',
  'markdown',
];

const prism = dirname(require.resolve('prismjs/package.json'));
const vendor = join(__dirname, '..', 'public', 'pmc', 'vendor');
mkdirSync(vendor, { recursive: true });
const component = (name) => readFileSync(join(prism, 'components', `prism-${name}.min.js`), 'utf8');
const { version } = JSON.parse(readFileSync(join(prism, 'package.json'), 'utf8'));
writeFileSync(
  join(vendor, 'prism.js'),
  [
    `/* Prism ${version} (MIT, see prism.LICENSE), vendored by scripts/vendor-assets.cjs */`,
    'window.Prism = { manual: true };',
    component('core'),
    ...PRISM_LANGUAGES.map(component),
    '',
  ].join('\n'),
);
writeFileSync(join(vendor, 'prism.LICENSE'), readFileSync(join(prism, 'LICENSE')));
