import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

import { waitForNoChildren } from './helpers/processes';

const ADAPTER = require.resolve('./conformance/run-client.cjs');
/** The 0.1.x suite: the 2025-11-25 revision's scenarios, OAuth included. */
const RUNNER = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
const BASELINE = require.resolve('./conformance/expected-failures.yml');
/** The 0.2.x prerelease: the 2026-07-28 revision's scenarios (its runner needs a shim on Node 20). */
const RUNNER_2026 = join(
  dirname(require.resolve('@modelcontextprotocol/conformance-2026/package.json')),
  'dist/index.js',
);
const NODE20 = require.resolve('./conformance/node20-register.mjs');
const BASELINE_2026 = require.resolve('./conformance/expected-failures-2026.yml');
// The client scenarios the 2026-07-28 revision requires, as the suite lists them, but the OAuth ones
// (the security issue's), plus the JSON Schema one it runs for both revisions.
const REQUIRED_2026 = parse(readFileSync(join(dirname(RUNNER_2026), '../requirements/2026-07-28.yaml'), 'utf8')) as {
  client: string[];
};
const MODERN_WITHOUT_AUTH = [
  ...REQUIRED_2026.client.filter((scenario) => !scenario.startsWith('auth/')),
  'json-schema-2020-12-preservation',
];
// The core suite is these scenarios plus the auth suite's. They run one at a time: sse-retry measures
// how long the client waits before reconnecting, which nineteen clients starting at once would skew.
const CORE_WITHOUT_AUTH = ['initialize', 'tools_call', 'elicitation-sep1034-client-defaults', 'sse-retry'];
const AUTH = [
  'auth/metadata-default',
  'auth/metadata-var1',
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
// Baselined in the 0.1.x suite: its authorization server publishes an `issuer` that is not the one
// its metadata URL names, which RFC 8414 §3.3 tells a client to refuse, as SDK 2.x does. The 0.2.x
// suite's versions of the two scenarios, for 2025-11-25, publish a matching issuer, and run instead.
const REISSUED_2025 = ['auth/metadata-var2', 'auth/metadata-var3'];

/** Runs the suite's client scenarios (`--suite <name>` or `--scenario <name>`) against the adapter. */
function runConformance(
  selection: string[],
  outputDir: string,
  runner: string[] = [RUNNER],
  baseline = BASELINE,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...runner,
        'client',
        ...selection,
        '--command',
        `${process.execPath} ${ADAPTER}`,
        '--expected-failures',
        baseline,
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

/** One scenario of the 0.2.x suite, for the given revision. */
const run2026 = (scenario: string, revision: string, outputDir: string) =>
  runConformance(
    ['--scenario', scenario, '--spec-version', revision],
    outputDir,
    ['--import', NODE20, RUNNER_2026],
    BASELINE_2026,
  );

/** Every check passed, none warned; exit 0 also proves the baseline is not stale. */
function expectAllPassed({ code, output }: { code: number | null; output: string }): void {
  expect({ code, tail: output.slice(-400) }).toEqual({
    code: 0,
    tail: expect.stringMatching(/Passed: (\d+)\/\1, 0 failed, 0 warnings[\s\S]*Baseline check passed/),
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
    expectAllPassed(await runConformance(['--scenario', scenario], outputDir));
  });

  it('should run every client scenario the 2026-07-28 revision requires, but the OAuth ones', () => {
    expect(MODERN_WITHOUT_AUTH).toEqual(
      expect.arrayContaining(['tools_call', 'request-metadata', 'http-standard-headers', 'http-custom-headers']),
    );
  });

  it.each(MODERN_WITHOUT_AUTH)(
    'should pass the 2026-07-28 scenario %s through the project client layer',
    async (scenario) => {
      expectAllPassed(await run2026(scenario, '2026-07-28', outputDir));
    },
  );

  it("should pass the OAuth scenarios of the core suite, as the host's OAuth client, but the two baselined", async () => {
    const { code, output } = await runConformance(['--suite', 'auth'], outputDir);
    for (const scenario of AUTH) {
      expect(output).toMatch(new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`));
    }
    for (const scenario of REISSUED_2025) {
      expect(output).toMatch(new RegExp(`✗ ${scenario}: `));
    }
    expect({ code, tail: output.slice(-600) }).toEqual({
      code: 0,
      tail: expect.stringContaining('Baseline check passed'),
    });
  }, 180_000);

  it.each(REISSUED_2025)('should pass %s of the 0.2.x suite for 2025-11-25', async (scenario) => {
    expectAllPassed(await run2026(scenario, '2025-11-25', outputDir));
  });
});
