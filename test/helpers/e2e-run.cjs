// What the end-to-end run shares between its global setup and its tests.
const { join } = require('node:path');

module.exports = {
  /** The run's one build of the app (dist/ beside a link to public/), made by global-setup.cjs. */
  BUILD_DIR: join(__dirname, '..', '..', 'test-artifacts', 'build'),
  // Debian's chromium package (installed by .ci/run): no browser is ever downloaded.
  CHROMIUM: '/usr/bin/chromium',
  // The sandbox needs user namespaces, which CI containers running as root do not have.
  // A container's small /dev/shm makes Chromium crash on larger pages; it can use /tmp instead.
  CHROMIUM_ARGS: ['--no-sandbox', '--disable-dev-shm-usage'],
};
