import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { everythingServer } from './fixtures/mcp-servers';
import { mcpProcessIds } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitUntil } from './helpers/wait';

interface Listed {
  name: string;
  status: string;
  catalog: string;
  tools: Array<{ name: string; title?: string }>;
  prompts: Array<{ name: string; arguments?: unknown[] }>;
  resource_templates: Array<{ uri_template: string; name: string }>;
  last_error?: string;
}

async function listing(t: TestApp): Promise<Listed[]> {
  return ((await (await fetch(`${t.url}/api/v3/mcp/servers`)).json()) as { servers: Listed[] }).servers;
}

// The catalog before the first turn: every enabled server listed at start-up, in the background.
describe('MCP catalog before any session (e2e)', () => {
  let t: TestApp | undefined;

  afterAll(async () => {
    await t?.close();
  });

  it("should list a session-scoped server's tools, prompts and templates with no session, and close its client", async () => {
    const app = await startApp({
      MCP_START_TIMEOUT_MS: '5000',
      MCP_CONFIG: writeMcpConfig({
        everything: everythingServer(),
        broken: { command: process.execPath, args: ['-e', 'process.exit(3)'] },
        off: { ...everythingServer(), disabled: true },
      }),
    });
    t = app;
    const [everything, broken, off] = await listing(app);
    expect(everything).toMatchObject({ name: 'everything', status: 'idle', catalog: 'listed' });
    expect(everything.tools).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'echo', title: 'Echo Tool' })]),
    );
    expect(everything.prompts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'simple-prompt' }),
        expect.objectContaining({ name: 'args-prompt', arguments: expect.any(Array) }),
      ]),
    );
    expect(everything.resource_templates).toEqual(
      expect.arrayContaining([expect.objectContaining({ uri_template: expect.stringContaining('{') })]),
    );
    // A server that cannot start says why; one that is disabled is not listed; nothing was left running.
    expect(broken).toMatchObject({
      status: 'idle',
      catalog: 'failed',
      last_error: expect.stringMatching(/closed/i),
    });
    expect(off).toMatchObject({ status: 'disabled', catalog: 'none', tools: [] });
    expect(mcpProcessIds()).toEqual([]);
    const sessions = (await (await fetch(`${app.url}/sessions`)).json()) as { total: number };
    expect(sessions.total).toBe(0);
  });

  it('should list a server through its pre-started client, with no process of its own (MCP_MAX_PROCESSES=1)', async () => {
    await t?.close();
    t = undefined;
    // The pool takes the one process place: a client of the listing's own could not start.
    const app = await startApp({ MCP_PREWARM: '1', MCP_MAX_PROCESSES: '1' });
    t = app;
    const [everything] = await listing(app);
    expect(everything).toMatchObject({ name: 'everything', catalog: 'listed', prewarmed: 1 });
    expect(everything.tools.length).toBeGreaterThan(0);
    expect(mcpProcessIds()).toHaveLength(1);
  });

  it('should list a server again once its cache hints lapse, and keep a listing without hints until a client changes it', async () => {
    await t?.close();
    t = undefined;
    const dir = mkdtempSync(join(tmpdir(), 'mcp-host-catalog-'));
    const extra = join(dir, 'tools.txt');
    writeFileSync(extra, 'alpha\n');
    const modern = (env: Record<string, string>) => ({
      command: process.execPath,
      args: [require.resolve('./fixtures/modern-server.cjs')],
      env: { EXTRA_TOOLS_FILE: extra, ...env },
    });
    try {
      const app = await startApp({
        MCP_CATALOG_REFRESH_MIN_MS: '0',
        MCP_CONFIG: writeMcpConfig({ hinted: modern({ CACHE_TTL_MS: '50' }), unhinted: modern({}) }),
      });
      t = app;
      const names = (server: Listed) => server.tools.map((tool) => tool.name);
      const [hinted, unhinted] = await listing(app);
      expect(names(hinted)).toContain('alpha');
      expect(names(unhinted)).toContain('alpha');
      // The servers' tools change; only the listing with a cache hint is made again (on a later read).
      writeFileSync(extra, 'beta\n');
      await waitUntil(async () => names((await listing(app))[0]).includes('beta'), 'the hinted listing made again');
      const [again, still] = await listing(app);
      expect(names(again)).not.toContain('alpha');
      expect(names(still)).toContain('alpha');
      expect(names(still)).not.toContain('beta');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
