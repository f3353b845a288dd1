import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { waitForNoChildren } from './helpers/processes';

const ROOT = join(__dirname, '..');

/** Runs `npm run bench -- --quick`; the benchmark's figures are not asserted, only that it still runs. */
function quickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'bench', '--', '--quick'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- --quick (smoke)', () => {
  afterAll(async () => {
    await waitForNoChildren(/app-process|llm-process|server-everything|dist\/main|redis-server/);
  });

  it('should run every part and end with one JSON line of figures', async () => {
    const { code, stdout, stderr } = await quickBench();
    expect({ code, stderr: code === 0 ? '' : stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
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
