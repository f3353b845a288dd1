import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { waitForNoChildren } from './helpers/processes';

const RUNNER = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
const ADAPTER = require.resolve('./conformance/run-client.cjs');
const BASELINE = require.resolve('./conformance/expected-failures.yml');
// The core suite is these scenarios plus the auth suite's. They run one at a time: sse-retry measures
// how long the client waits before reconnecting, which nineteen clients starting at once would skew.
const CORE_WITHOUT_AUTH = ['initialize', 'tools_call', 'elicitation-sep1034-client-defaults', 'sse-retry'];
const AUTH = [
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/resource-mismatch',
  'auth/pre-registration',
];

/** Runs the suite's client scenarios (`--suite <name>` or `--scenario <name>`) against the adapter. */
function runConformance(selection: string[], outputDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        RUNNER,
        'client',
        ...selection,
        '--command',
        `${process.execPath} ${ADAPTER}`,
        '--expected-failures',
        BASELINE,
        '--output-dir',
        outputDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('MCP conformance suite, client scenarios (e2e)', () => {
  let outputDir: string;

  beforeAll(() => {
    outputDir = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  });

  afterAll(async () => {
    rmSync(outputDir, { recursive: true, force: true });
    await waitForNoChildren(/run-client|conformance/);
  });

  it.each(CORE_WITHOUT_AUTH)('should pass the core scenario %s through the project client layer', async (scenario) => {
    const { code, output } = await runConformance(['--scenario', scenario], outputDir);
    // Exit 0 also proves the baseline (empty) is not stale.
    expect({ code, tail: output.slice(-400) }).toEqual({
      code: 0,
      tail: expect.stringMatching(/Passed: (\d+)\/\1, 0 failed, 0 warnings[\s\S]*Baseline check passed/),
    });
  });

  it("should pass every OAuth scenario of the core suite, as the host's OAuth client", async () => {
    const { code, output } = await runConformance(['--suite', 'auth'], outputDir);
    for (const scenario of AUTH) {
      expect(output).toMatch(new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`));
    }
    expect({ code, tail: output.slice(-600) }).toEqual({
      code: 0,
      tail: expect.stringContaining('Baseline check passed'),
    });
  }, 180_000);
});
