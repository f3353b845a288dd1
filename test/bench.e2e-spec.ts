import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { waitForNoChildren } from './helpers/processes';

const ROOT = join(__dirname, '..');

// The quick run takes about a minute; past this it is stuck, and is stopped with everything it started.
const DEADLINE_MS = 270_000;

/**
 * Runs `npm run bench -- --quick`; the benchmark's figures are not asserted, only that it still runs.
 * It runs in its own process group, so a stuck run is ended with all its children (apps, MCP
 * servers, redis-server), and what it printed is kept for the failure message.
 */
function quickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'bench', '--', '--quick'], {
      cwd: ROOT,
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
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench -- --quick (smoke)', () => {
  afterAll(async () => {
    await waitForNoChildren(/app-process|llm-process|server-everything|dist\/main|redis-server/);
  });

  it('should run every part and end with one JSON line of figures', async () => {
    const { code, stdout, stderr } = await quickBench();
    const output = code === 0 ? '' : `${stdout.slice(-1500)}\n${stderr.slice(-1500)}`;
    expect({ code, output }).toEqual({ code: 0, output: '' });
    const results = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, Record<string, unknown>>;
    expect(Object.keys(results)).toEqual(
      expect.arrayContaining([
        'machine',
        'latency',
        'history',
        'concurrency',
        'memory',
        'streams',
        'starts',
        'cluster',
      ]),
    );
    expect(results.latency).toMatchObject({
      bare: { n: 20, p50: expect.any(Number) },
      raw: { n: 20 },
      socketio: { n: 20 },
      sse: { n: 20 },
      post: { n: 20 },
    });
    expect(results.concurrency).toMatchObject({ server: { errors: 0 }, bare: { errors: 0 } });
    expect(results.cluster).toMatchObject({
      latency: { memory: { n: 20 }, redis: { n: 20 }, twoNodes: { n: 20 } },
      failoverMs: expect.any(Number),
      load: { twoNodes: { errors: 0 } },
    });
    expect(stdout).toContain('| server, socket.io |');
  }, 300_000);
});
