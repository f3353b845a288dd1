import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { everythingConfig } from '../../../test/fixtures/mcp-servers';
import { waitForNoChildren } from '../../../test/helpers/processes';
import type { StdioServerConfig } from '../config/mcp-config';
import { DEFAULT_POLICY } from '../config/mcp-config-policy';
import { openConnection } from './mcp-connect';
import type { McpConnection } from './mcp-connection';
import { EraVerdicts, negotiationFor } from './mcp-era';

const MODERN = require.resolve('../../../test/fixtures/modern-server.cjs');

describe('MCP protocol eras', () => {
  let dir: string;
  const open: McpConnection[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-era-'));
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((connection) => connection.close()));
    await waitForNoChildren(/modern-server|server-everything/);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The server behind a shell that writes a line for every process started, probe siblings included. */
  function counted(config: StdioServerConfig, spawns: string): StdioServerConfig {
    return {
      ...config,
      command: '/bin/sh',
      args: ['-c', `echo spawned >> ${spawns}; exec "$0" "$@"`, config.command, ...config.args],
    };
  }

  const start = (verdicts: EraVerdicts) => ({ timeoutMs: 20_000, signal: new AbortController().signal, verdicts });
  const spawnsIn = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

  it('should map each protocol setting to the SDK negotiation', () => {
    expect(negotiationFor('auto', 10_000)).toEqual({ mode: 'auto', probe: { timeoutMs: 5000 } });
    expect(negotiationFor('2025-11-25', 10_000)).toEqual({ mode: 'legacy' });
    expect(negotiationFor('2026-07-28', 10_000)).toEqual({ mode: { pin: '2026-07-28' }, probe: { timeoutMs: 5000 } });
  });

  it.each([
    ['a 2026-07-28 server', { name: 'modern', command: process.execPath, args: [MODERN] }, '2026-07-28'],
    ['a 2025-11-25 server', everythingConfig(), '2025-11-25'],
  ])('should probe %s once, then start it with the verdict and no probe process', async (_, server, revision) => {
    const spawns = join(dir, 'spawns');
    const config = counted({ transport: 'stdio', env: {}, ...DEFAULT_POLICY, ...server } as StdioServerConfig, spawns);
    const verdicts = new EraVerdicts();

    const first = await openConnection(config, 'test', [], start(verdicts));
    open.push(first);
    expect(first.protocolVersion).toBe(revision);
    // The probe ran on a sibling process, then the session's own started.
    expect(spawnsIn(spawns)).toBe(2);

    const second = await openConnection(config, 'test', [], start(verdicts));
    open.push(second);
    expect(second.protocolVersion).toBe(revision);
    expect(spawnsIn(spawns)).toBe(3);
    expect((await second.call('echo', { message: 'x' }, { signal: new AbortController().signal })).content).toBe(
      'Echo: x',
    );
  });

  it('should fail a server pinned to 2026-07-28 that only speaks 2025-11-25, naming the negotiation', async () => {
    const config = { ...everythingConfig(), protocol: '2026-07-28' as const };
    await expect(openConnection(config, 'test', [], start(new EraVerdicts()))).rejects.toThrow(/negotiat/i);
  });
});
