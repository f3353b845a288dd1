import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { appBuild } from './app-build';
import { waitForNoChildren } from './processes';

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
async function quickBench(parts: string[]): Promise<QuickBench> {
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
const failureOf = ({ code, stdout, stderr }: QuickBench) =>
  code === 0 ? '' : `${stdout.slice(-1500)}\n${stderr.slice(-1500)}`;

/**
 * A smoke test of some parts of the benchmark: they still run and end with their figures (which are
 * not asserted, beyond `check`), and leave no process behind.
 */
export function describeQuickBench(parts: string[], check: (run: QuickBench) => void): void {
  describe(`npm run bench -- --quick --only=${parts.join(',')} (smoke)`, () => {
    afterAll(async () => {
      await waitForNoChildren(/app-process|llm-process|server-everything|main\.js|redis-server/);
    });

    it('should run the parts and end with one JSON line of figures', async () => {
      const run = await quickBench(parts);
      expect({ code: run.code, output: failureOf(run) }).toEqual({ code: 0, output: '' });
      expect(Object.keys(run.results)).toEqual(expect.arrayContaining(['machine', ...parts]));
      check(run);
    }, 180_000);
  });
}
