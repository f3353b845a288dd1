import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { McpPlaces } from '../src/mcp/config/mcp-places';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { mcpProcessIds, waitForExit, waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/** The app with the bundled servers (no MCP config file), a workspace holding notes.txt, and a USERS_DIR. */
async function withDefaultServers(notes: string, env: Record<string, string> = {}) {
  const workspace = mkdtempSync(join(tmpdir(), 'mcp-host-workspace-'));
  const usersDir = mkdtempSync(join(tmpdir(), 'mcp-host-users-'));
  writeFileSync(join(workspace, 'notes.txt'), notes);
  const t = await startApp({ MCP_CONFIG: './mcp.config.json', WORKSPACE_DIR: workspace, USERS_DIR: usersDir, ...env });
  const close = async (clients: SocketClient[]) => {
    clients.forEach((client) => client.socket.disconnect());
    await t.close();
    await waitForNoChildren();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(usersDir, { recursive: true, force: true });
  };
  return { t, workspace, usersDir, close };
}

// The servers `npm start` runs when there is no mcp.config.json: filesystem and memory.
describe('bundled default MCP servers, single-user (e2e)', () => {
  let t: TestApp;
  let workspace: string;
  let usersDir: string;
  let close: (clients: SocketClient[]) => Promise<void>;
  const clients: SocketClient[] = [];

  beforeAll(async () => {
    ({ t, workspace, usersDir, close } = await withDefaultServers('hello from the workspace'));
  });

  afterAll(async () => {
    await close(clients);
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

  it("should keep the one user's memory graph across their sessions, in their folder", async () => {
    const entity = '{"entities":[{"name":"Ada","entityType":"person","observations":["likes tea"]}]}';
    const first = await turn(`[[tool:create_entities ${entity}]]`);
    expect(first.end.type).toBe('final_response');
    const other = await turn('[[tool:read_graph {}]]');
    expect(other.end.data).toMatchObject({ content: expect.stringContaining('likes tea') });
    expect(existsSync(join(usersDir, 'local', 'memory.jsonl'))).toBe(true);
  });
});

// With authentication, each principal has their own folder: the filesystem server's root and the memory graph.
describe('bundled default MCP servers, one folder per principal (e2e)', () => {
  let t: TestApp;
  let workspace: string;
  let usersDir: string;
  let close: (clients: SocketClient[]) => Promise<void>;
  const clients: SocketClient[] = [];
  const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdef' };

  beforeAll(async () => {
    const auth = { AUTH_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob}` };
    ({ t, workspace, usersDir, close } = await withDefaultServers('shared workspace', auth));
  });

  afterAll(async () => {
    await close(clients);
  });

  const turn = async (who: keyof typeof KEYS, content: string) => {
    const client = await connectSocket(t.url, KEYS[who]);
    clients.push(client);
    return (await runSocketTurn(client, content)).end;
  };
  const tool = (name: string, args: object) => `[[tool:${name} ${JSON.stringify(args)}]]`;

  it("should root each principal's filesystem server at their own folder, and nobody else's", async () => {
    // Her folder is named by her token: key.alice.
    const alicesNote = join(usersDir, 'key.alice', 'note.md');
    expect(await turn('alice', tool('write_file', { path: alicesNote, content: 'for alice only' }))).toMatchObject({
      type: 'final_response',
    });
    expect(await turn('alice', tool('read_text_file', { path: alicesNote }))).toMatchObject({
      data: { content: 'Observed: for alice only' },
    });
    for (const path of [alicesNote, join(workspace, 'notes.txt')]) {
      const end = await turn('bob', tool('read_text_file', { path }));
      expect(end.data).toMatchObject({ content: expect.stringMatching(/access denied|outside allowed/i) });
    }
    expect(await turn('bob', tool('list_allowed_directories', {}))).toMatchObject({
      data: { content: expect.stringContaining(join(usersDir, 'key.bob')) },
    });
  });

  it('should keep one memory graph per principal, across their sessions', async () => {
    const entity = { entities: [{ name: 'Grace', entityType: 'person', observations: ['writes compilers'] }] };
    expect(await turn('alice', tool('create_entities', entity))).toMatchObject({ type: 'final_response' });
    expect((await turn('alice', tool('read_graph', {}))).data).toMatchObject({
      content: expect.stringContaining('writes compilers'),
    });
    expect((await turn('bob', tool('read_graph', {}))).data).toMatchObject({
      content: expect.not.stringContaining('Grace'),
    });
  });
});

// One session's two default servers fill MCP_MAX_PROCESSES=2: every new session needs an idle one's place.
describe('bundled default MCP servers at the process cap (e2e)', () => {
  let t: TestApp | undefined;
  const clients: SocketClient[] = [];
  const usersDir = mkdtempSync(join(tmpdir(), 'mcp-host-users-'));

  afterAll(async () => {
    clients.forEach((client) => client.socket.disconnect());
    await t?.close();
    await waitForNoChildren();
    rmSync(usersDir, { recursive: true, force: true });
  });

  const turn = async (content: string, sessionId?: string) => {
    const client = await connectSocket(t!.url);
    clients.push(client);
    return runSocketTurn(client, content, sessionId);
  };

  it("should close an idle session's servers for another, start them again, and remove the run's folder", async () => {
    t = await startApp({ MCP_CONFIG: './mcp.config.json', MCP_MAX_PROCESSES: '2', USERS_DIR: usersDir });
    const sessionsRoot = t.app.get(McpPlaces).sessionsRoot;
    const entity = '{"entities":[{"name":"Grace","entityType":"person","observations":["writes compilers"]}]}';
    const first = await turn(`[[tool:create_entities ${entity}]]`);
    expect(first.end.type).toBe('final_response');
    const firstServers = mcpProcessIds();
    expect(firstServers).toHaveLength(2);

    // The same user's graph, read by another session's memory server in the first one's place.
    const second = await turn('[[tool:read_graph {}]]');
    expect(second.end).toMatchObject({
      type: 'final_response',
      data: { content: expect.stringContaining('Grace') },
    });
    await waitForExit(firstServers);

    // Back on the first session: its servers start again, in the second's place, and its graph is there.
    const again = await turn('[[tool:read_graph {}]]', first.sessionId);
    expect(again.end.data).toMatchObject({ content: expect.stringContaining('writes compilers') });
    expect(mcpProcessIds()).toHaveLength(2);

    expect(existsSync(join(usersDir, 'local', 'memory.jsonl'))).toBe(true);
    await t.close();
    t = undefined;
    expect(existsSync(sessionsRoot)).toBe(false);
  });
});

describe('bundled default MCP servers after MCP_IDLE_TIMEOUT_MS (e2e)', () => {
  let close: (clients: SocketClient[]) => Promise<void>;
  let t: TestApp;
  const clients: SocketClient[] = [];

  beforeAll(async () => {
    ({ t, close } = await withDefaultServers('idle notes', { MCP_IDLE_TIMEOUT_MS: '1000' }));
  });

  afterAll(async () => {
    await close(clients);
  });

  it("should close an idle session's servers, keep the session, and start them again with the graph intact", async () => {
    const client = await connectSocket(t.url);
    clients.push(client);
    const entity = '{"entities":[{"name":"Edsger","entityType":"person","observations":["shuns goto"]}]}';
    const first = await runSocketTurn(client, `[[tool:create_entities ${entity}]]`);
    expect(first.end.type).toBe('final_response');
    const servers = mcpProcessIds();
    expect(servers).toHaveLength(2);

    // No turn for MCP_IDLE_TIMEOUT_MS: both processes end, and the session stays.
    await waitForExit(servers);
    const session = await fetch(`${t.url}/api/v3/sessions/${first.sessionId}`);
    expect(session.status).toBe(200);

    const again = await runSocketTurn(client, '[[tool:read_graph {}]]', first.sessionId);
    expect(again.end.data).toMatchObject({ content: expect.stringContaining('shuns goto') });
    expect(mcpProcessIds()).toHaveLength(2);
  });
});
