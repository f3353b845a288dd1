// Before the end-to-end tests: the run's one build of the app starts in the background (the bench
// smoke and the image test wait for it; nothing else does), and one Chromium serves every browser
// test (each connects and opens contexts of its own). Both are ended by global-teardown.cjs.
const { spawn } = require('node:child_process');
const { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { chromium } = require('playwright-core');

const { BUILD_DIR, CHROMIUM_ARGS, CHROMIUM } = require('./helpers/e2e-run.cjs');

const ROOT = join(__dirname, '..');

/** tsc as the Dockerfile's build stage runs it, into test-artifacts/build; its outcome in status.json. */
function startBuild() {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });
  // The built app serves the page from ../public, as in the image.
  symlinkSync(join(ROOT, 'public'), join(BUILD_DIR, 'public'));
  const dist = join(BUILD_DIR, 'dist');
  const script = [
    `node ${JSON.stringify(require.resolve('typescript/bin/tsc'))} -p tsconfig.build.json --outDir ${JSON.stringify(dist)}`,
    `node scripts/copy-assets.cjs ${JSON.stringify(dist)}`,
  ].join(' && ');
  const child = spawn('/bin/sh', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.on('close', (code) => {
    // Written whole, then renamed: a test that sees status.json reads all of it.
    const status = join(BUILD_DIR, 'status.json');
    writeFileSync(`${status}.part`, JSON.stringify({ ok: code === 0, output: output.slice(-4000) }));
    renameSync(`${status}.part`, status);
  });
  return child;
}

module.exports = async () => {
  globalThis.__appBuild = startBuild();
  const browser = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  globalThis.__browserServer = browser;
  // Workers start after this, with this environment.
  process.env.PMC_BROWSER_WS = browser.wsEndpoint();
};
