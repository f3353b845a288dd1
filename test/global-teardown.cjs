// After the end-to-end tests: the shared Chromium closes, and a build still running is stopped.
module.exports = async () => {
  await globalThis.__browserServer?.close();
  const build = globalThis.__appBuild;
  if (build && build.exitCode === null && build.signalCode === null) {
    const ended = new Promise((resolve) => build.once('close', resolve));
    build.kill('SIGKILL');
    await ended;
  }
};
