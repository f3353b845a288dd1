import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FakeConnector, fakeServer, tool } from '../../../test/fakes/fake-mcp';
import { MetricsRegistry } from '../../metrics/metrics-registry';
import { McpServerBoard } from '../catalog/mcp-server-board';
import type { McpConnection } from '../client/mcp-connection';
import { EraVerdicts } from '../client/mcp-era';
import type { SupervisedClient } from '../client/supervised-client';
import type { McpServerConfig } from '../config/mcp-config';
import { McpMetrics } from '../mcp.metrics';
import { McpDiscovery } from './mcp-discovery';
import { ProcessBudget } from './mcp-process-budget';

const listed = (board: McpServerBoard) =>
  board
    .statuses(() => 0)
    .map(({ name, catalog, tools, prompts, last_error }) => ({
      name,
      catalog,
      tools: tools.map((t) => t.name),
      prompts: prompts.map((p) => p.name),
      ...(last_error ? { last_error } : {}),
    }));

describe(McpDiscovery.name, () => {
  let dir: string;
  let connector: FakeConnector;
  let budget: ProcessBudget;
  let board: McpServerBoard;
  let pooled: McpConnection | undefined;
  let shared: jest.Mock;
  let discovery: McpDiscovery;

  const discover = (servers: McpServerConfig[], refreshMinMs = 60_000) => {
    board = new McpServerBoard(servers, new McpMetrics(new MetricsRegistry()));
    discovery = new McpDiscovery({
      board,
      budget,
      startTimeoutMs: 1000,
      verdicts: new EraVerdicts(),
      roots: [],
      places: { sessionId: 'catalog', sessionDir: join(dir, 'session'), userId: 'catalog', userDir: join(dir, 'user') },
      shared,
      pooled: () => Promise.resolve(pooled),
      connect: connector.connect,
      refreshMinMs,
    });
    return discovery.run(servers);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'discovery-spec-'));
    connector = new FakeConnector();
    connector.tools = [tool('echo')];
    budget = new ProcessBudget(4);
    pooled = undefined;
    shared = jest.fn();
  });

  afterEach(async () => {
    await discovery.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("should list a session-scoped server through a client of its own, filled with the catalog's places, then close it", async () => {
    await discover([fakeServer('notes', { args: ['${SESSION_DIR}', '${USER_ID}'] })]);
    expect(listed(board)).toEqual([{ name: 'notes', catalog: 'listed', tools: ['echo'], prompts: [] }]);
    const [connection] = connector.opened;
    expect(connection.config).toMatchObject({ args: [join(dir, 'session'), 'catalog'] });
    expect(connector.labels).toEqual(['catalog discovery']);
    expect(connection.closed).toBe(true);
    expect(budget.used).toBe(0);
  });

  it('should list through a pre-started client when the pool keeps one, and leave it open', async () => {
    connector.tools = [tool('read_graph')];
    pooled = (await connector.connect(fakeServer('memory'), 'pre-warm pool', [], {
      timeoutMs: 1000,
      signal: new AbortController().signal,
    })) as McpConnection;
    connector.opened[0].prompts = [{ name: 'summarize' }];
    await discover([fakeServer('memory')]);
    expect(listed(board)).toEqual([
      { name: 'memory', catalog: 'listed', tools: ['read_graph'], prompts: ['summarize'] },
    ]);
    expect(connector.opened).toHaveLength(1);
    expect(connector.opened[0].closed).toBe(false);
  });

  it('should list a shared server through its one client, which stays up', async () => {
    const connection = await connector.connect(fakeServer('search', { scope: 'shared' }), 'all sessions', [], {
      timeoutMs: 1000,
      signal: new AbortController().signal,
    });
    const client = {
      tools: [tool('search')],
      protocolVersion: '2025-11-25',
      sdk: () => Promise.resolve(connection.sdk),
    } as unknown as SupervisedClient;
    shared.mockReturnValue(client);
    await discover([fakeServer('search', { scope: 'shared' })]);
    expect(listed(board)).toEqual([{ name: 'search', catalog: 'listed', tools: ['search'], prompts: [] }]);
    expect(connector.opened[0].closed).toBe(false);
  });

  it('should show why a server could not be listed, and list the others', async () => {
    connector.failures.set('broken', 'spawn fake-mcp-server ENOENT');
    await discover([fakeServer('broken'), fakeServer('fine')]);
    expect(listed(board)).toEqual([
      { name: 'broken', catalog: 'failed', tools: [], prompts: [], last_error: 'spawn fake-mcp-server ENOENT' },
      { name: 'fine', catalog: 'listed', tools: ['echo'], prompts: [] },
    ]);
  });

  it('should not take a process place a session could need: no free one, no listing', async () => {
    budget = new ProcessBudget(0);
    await discover([fakeServer('notes')]);
    expect(listed(board)[0]).toMatchObject({
      catalog: 'failed',
      last_error: expect.stringContaining('MCP_MAX_PROCESSES'),
    });
    expect(connector.opened).toEqual([]);
  });

  it('should list once however often it is asked, and list again only what went stale, at most every refreshMinMs', async () => {
    const servers = [fakeServer('notes')];
    await Promise.all([discover(servers), discovery.run(servers)]);
    expect(connector.opened).toHaveLength(1);

    discovery.refresh(servers);
    discovery.refresh(servers);
    await discovery.stop();
    expect(connector.opened).toHaveLength(2);
  });
});
