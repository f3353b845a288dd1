// `npm test`: typecheck and lint side by side, then one jest run over the unit and end-to-end
// projects. Each step says how long it took; the first that fails stops the run with its code.
const { spawn } = require('node:child_process');

function step(name, command, args, { buffered }) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (output) {
        process.stdout.write(output);
      }
      console.log(`== ${name}: ${code === 0 ? 'passed' : `failed (${code})`} in ${seconds} s`);
      resolve(code ?? 1);
    });
  });
}

async function main() {
  const checks = await Promise.all([
    step('typecheck', 'npm', ['run', '--silent', 'typecheck'], { buffered: true }),
    step('lint', 'npm', ['run', '--silent', 'lint'], { buffered: true }),
  ]);
  const failed = checks.find((code) => code !== 0);
  if (failed !== undefined) {
    return failed;
  }
  return step('jest (unit and end-to-end)', process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], {
    buffered: false,
  });
}

main().then((code) => process.exit(code));
