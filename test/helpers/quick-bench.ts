import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { appBuild } from './app-build';

const ROOT = join(__dirname, '..', '..');

// A quick part takes well under a minute; past this it is stuck, and is stopped with everything it started.
const DEADLINE_MS = 150_000;

export interface QuickBench {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The final JSON line of figures. */
  results: Record<string, Record<string, unknown>>;
}

/**
 * `npm run bench -- --quick --only=<parts>` on the run's build of the app (global-setup.cjs builds
 * it once; no test builds it again). It runs in its own process group, so a stuck run is ended with
 * all its children (apps, MCP servers, redis-server); what it printed is kept for the failure message.
 */
export async function quickBench(parts: string[]): Promise<QuickBench> {
  const { dist } = await appBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/run.js', '--quick', `--only=${parts.join(',')}`], {
      cwd: ROOT,
      env: { ...process.env, BENCH_APP_DIST: dist },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    const deadline = setTimeout(() => {
      stderr += `\n(stopped after ${DEADLINE_MS} ms)`;
      process.kill(-(child.pid as number), 'SIGKILL');
    }, DEADLINE_MS);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(deadline);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      const results = code === 0 ? (JSON.parse(last) as QuickBench['results']) : {};
      resolve({ code, stdout, stderr, results });
    });
  });
}

/** What to show when a part failed: the end of what it printed. */
export const failureOf = ({ code, stdout, stderr }: QuickBench) =>
  code === 0 ? '' : `${stdout.slice(-1500)}\n${stderr.slice(-1500)}`;
