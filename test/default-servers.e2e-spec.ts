import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { McpService } from '../src/mcp/mcp.service';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { mcpProcessIds, waitForExit, waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

// The servers `npm start` runs when there is no mcp.config.json: filesystem and memory, per session.
describe('bundled default MCP servers (e2e)', () => {
  let t: TestApp;
  let workspace: string;
  const clients: SocketClient[] = [];

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'mcp-host-workspace-'));
    writeFileSync(join(workspace, 'notes.txt'), 'hello from the workspace');
    t = await startApp({ MCP_CONFIG: './mcp.config.json', WORKSPACE_DIR: workspace });
  });

  afterAll(async () => {
    clients.forEach((client) => client.socket.disconnect());
    await t?.close();
    await waitForNoChildren();
    rmSync(workspace, { recursive: true, force: true });
  });

  const turn = async (content: string, sessionId?: string) => {
    const client = await connectSocket(t.url);
    clients.push(client);
    return runSocketTurn(client, content, sessionId);
  };

  it('should read the workspace through the filesystem server', async () => {
    const { end } = await turn(`[[tool:read_text_file {"path":${JSON.stringify(join(workspace, 'notes.txt'))}}]]`);
    expect(end).toMatchObject({ type: 'final_response', data: { content: 'Observed: hello from the workspace' } });
  });

  it("should keep each session's memory graph to itself", async () => {
    const entity = '{"entities":[{"name":"Ada","entityType":"person","observations":["likes tea"]}]}';
    const first = await turn(`[[tool:create_entities ${entity}]]`);
    expect(first.end.type).toBe('final_response');
    const same = await turn('[[tool:read_graph {}]]', first.sessionId);
    expect(same.end.data).toMatchObject({ content: expect.stringContaining('likes tea') });

    const other = await turn('[[tool:read_graph {}]]');
    expect(other.end.type).toBe('final_response');
    expect(other.end.data).toMatchObject({ content: expect.not.stringContaining('Ada') });
  });
});

// One session's two default servers fill MCP_MAX_PROCESSES=2: every new session needs an idle one's place.
describe('bundled default MCP servers at the process cap (e2e)', () => {
  let t: TestApp | undefined;
  const clients: SocketClient[] = [];

  afterAll(async () => {
    clients.forEach((client) => client.socket.disconnect());
    await t?.close();
    await waitForNoChildren();
  });

  const turn = async (content: string, sessionId?: string) => {
    const client = await connectSocket(t!.url);
    clients.push(client);
    return runSocketTurn(client, content, sessionId);
  };

  it("should close an idle session's servers for another, keep its memory graph, and remove the run's folder", async () => {
    t = await startApp({ MCP_CONFIG: './mcp.config.json', MCP_MAX_PROCESSES: '2' });
    const sessionsRoot = t.app.get(McpService).sessionsRoot;
    const entity = '{"entities":[{"name":"Grace","entityType":"person","observations":["writes compilers"]}]}';
    const first = await turn(`[[tool:create_entities ${entity}]]`);
    expect(first.end.type).toBe('final_response');
    const firstServers = mcpProcessIds();
    expect(firstServers).toHaveLength(2);

    const second = await turn('[[tool:read_graph {}]]');
    expect(second.end).toMatchObject({
      type: 'final_response',
      data: { content: expect.not.stringContaining('Grace') },
    });
    await waitForExit(firstServers);

    // Back on the first session: its servers start again, in the second's place, and its graph is there.
    const again = await turn('[[tool:read_graph {}]]', first.sessionId);
    expect(again.end.data).toMatchObject({ content: expect.stringContaining('writes compilers') });
    expect(mcpProcessIds()).toHaveLength(2);

    expect(existsSync(join(sessionsRoot, first.sessionId, 'memory.jsonl'))).toBe(true);
    await t.close();
    t = undefined;
    expect(existsSync(sessionsRoot)).toBe(false);
  });
});
