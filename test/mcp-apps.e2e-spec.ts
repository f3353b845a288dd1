import type { StreamEventOf, ToolContent } from '../src/contract/events';
import { connectSocket, runSocketTurn, sendMessage, toolCallsOf } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { postJson } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const APP_SERVER = require.resolve('./fixtures/app-server.mjs');
const counter = (extra: Record<string, unknown> = {}) => ({ command: process.execPath, args: [APP_SERVER], ...extra });

interface Listed {
  name: string;
  tools: Array<{ name: string; ui?: { resource_uri?: string; visibility: string[] } }>;
}

interface OpenedView {
  document_url: string;
  uri: string;
  server: string;
  tool: { name: string };
  arguments: Record<string, unknown>;
  result: { content: unknown[]; structuredContent?: { count: number } };
  csp: Record<string, string[]>;
}

/** MCP Apps (io.modelcontextprotocol/ui): tools with a ui:// view, against a server built on the reference SDK. */
describe('MCP Apps (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;

  beforeAll(async () => {
    t = await startApp({
      MCP_CONFIG: writeMcpConfig({ counter: counter(), guarded: counter({ require_approval: 'always' }) }),
    });
    client = await connectSocket(t.url);
  });

  afterAll(async () => {
    client?.socket.disconnect();
    await t?.close();
    await waitForNoChildren(/app-server/);
  });

  /** A turn in which the model calls `tool` (approved, if it asks); its view's item and the session. */
  const showView = async (tool: string) => {
    const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const turnId = await sendMessage(client, session_id, `[[tool:${tool} {}]]`);
    const end = client.recorder.turnEnd(turnId);
    if (tool.startsWith('guarded')) {
      const { data } = (await client.recorder.waitFor(
        (event) => event.turn_id === turnId && event.type === 'approval',
        "the approval of the model's call",
      )) as StreamEventOf<'approval'>;
      await postJson(`${t.url}/api/v3/sessions/${session_id}/approvals/${data.approval_id}`, { approved: true });
    }
    const turn = { sessionId: session_id, turnId, end: await end };
    const [, done] = toolCallsOf(client, turn.turnId);
    return { ...turn, done: done.data, app: done.data.content?.find((item) => item.type === 'app') as ToolContent };
  };

  const open = async (app: ToolContent) => {
    const response = await postJson(`${t.url}${app.url}/open`, {});
    expect(response.status).toBe(200);
    return (await response.json()) as OpenedView;
  };

  /** The approval event of a view's call of `increment` in the session, once it is pending. */
  const pendingViewApproval = (sessionId: string) =>
    client.recorder.waitFor(
      (event) =>
        event.session_id === sessionId &&
        event.type === 'approval' &&
        event.data.tool === 'increment' &&
        event.data.status === 'pending',
      "a pending approval of the view's call",
    ) as Promise<StreamEventOf<'approval'>>;

  const callFromView = (app: ToolContent, name: string, args: Record<string, unknown> = {}) =>
    postJson(`${t.url}${app.url}/tools/call`, { name, arguments: args });

  it("should list each tool's view and who may call it, before any session", async () => {
    const { servers } = (await (await fetch(`${t.url}/api/v3/mcp/servers`)).json()) as { servers: Listed[] };
    const tools = Object.fromEntries(servers[0].tools.map((tool) => [tool.name, tool.ui]));
    expect(tools).toEqual({
      show_counter: { resource_uri: 'ui://counter/view.html', visibility: ['model', 'app'] },
      increment: { resource_uri: 'ui://counter/view.html', visibility: ['app'] },
      reset: { visibility: ['model'] },
    });
  });

  it('should offer the model the tools it may call, not those only views may', async () => {
    await runSocketTurn(client, '[[tool:counter__reset {}]]');
    const offered = t.llm.requests.at(-1)!.tools?.map((tool) => tool.function.name);
    expect(offered?.sort()).toEqual([
      'counter__reset',
      'counter__show_counter',
      'guarded__reset',
      'guarded__show_counter',
    ]);
  });

  it("should declare the extension to servers, and give the call's view as an app item", async () => {
    const { done, app, sessionId } = await showView('counter__show_counter');
    // The server saw io.modelcontextprotocol/ui in the host's capabilities.
    expect(done.result).toContain('(with its view)');
    expect(app).toEqual({
      type: 'app',
      uri: 'ui://counter/view.html',
      mime_type: 'text/html;profile=mcp-app',
      url: expect.stringMatching(new RegExp(`^/api/v3/sessions/${sessionId}/views/[\\w-]{22}$`)),
      prefers_border: true,
    });
    const view = await open(app);
    expect(view).toMatchObject({
      uri: 'ui://counter/view.html',
      server: 'counter',
      tool: { name: 'show_counter' },
      arguments: {},
      result: { structuredContent: { count: expect.any(Number) } },
      // What is not an origin ('unsafe-eval') is not passed on.
      csp: { resource_domains: ['https://cdn.example.com'], connect_domains: [], frame_domains: [] },
    });
  });

  it('should serve the document once per ticket, sandboxed, with only the origins its server declared', async () => {
    const view = await open((await showView('counter__show_counter')).app);
    const document = await fetch(`${t.url}${view.document_url}`);
    expect(document.status).toBe(200);
    expect(document.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = document.headers.get('content-security-policy')!;
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining([
        'sandbox allow-scripts',
        "default-src 'none'",
        "script-src 'unsafe-inline' https://cdn.example.com",
        "connect-src 'none'",
        "frame-src 'none'",
        "frame-ancestors 'self'",
      ]),
    );
    expect(policy).not.toContain('unsafe-eval');
    expect(await document.text()).toContain('<h1 id="count">');
    // Used once; a made-up ticket looks the same.
    const again = await fetch(`${t.url}${view.document_url}`);
    expect(again.status).toBe(404);
    expect((await fetch(`${t.url}/api/v3/views/${'A'.repeat(32)}`)).status).toBe(404);
  });

  it("should run a view's calls of its own server's tools meant for views, and refuse the rest as not found", async () => {
    const { app, sessionId } = await showView('counter__show_counter');
    const before = (await open(app)).result.structuredContent!.count;
    const increment = await callFromView(app, 'increment', { by: 2 });
    expect(increment.status).toBe(200);
    expect(await increment.json()).toMatchObject({
      content: [{ type: 'text', text: `The counter is at ${before + 2}` }],
      structuredContent: { count: before + 2 },
    });
    for (const name of ['reset', 'no_such_tool']) {
      const refused = await callFromView(app, name);
      expect(refused.status).toBe(404);
      expect(await refused.json()).toEqual({
        error: { code: 'NOT_FOUND', message: `MCP server "counter" has no tool "${name}" its views may call` },
      });
    }
    expect((await callFromView(app, '', {})).status).toBe(400);
    const unknownView = `${t.url}/api/v3/sessions/${sessionId}/views/AAAAAAAAAAAAAAAAAAAAAA`;
    expect((await postJson(`${unknownView}/tools/call`, { name: 'increment' })).status).toBe(404);
    expect((await postJson(`${unknownView}/open`, {})).status).toBe(404);
  });

  it("should refuse a view's call of a tool its chat switched off, with TOOL_NOT_AVAILABLE, and run it once on again", async () => {
    const { app, sessionId } = await showView('counter__show_counter');
    const patch = (disabled: string[]) =>
      fetch(`${t.url}/api/v3/sessions/${sessionId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ disabled_tools: disabled }),
      });
    for (const disabled of [['counter'], ['counter/increment']]) {
      expect((await patch(disabled)).status).toBe(200);
      const refused = await callFromView(app, 'increment', { by: 1 });
      expect({ disabled, status: refused.status, body: await refused.json() }).toEqual({
        disabled,
        status: 409,
        body: {
          error: {
            code: 'TOOL_NOT_AVAILABLE',
            message: 'TOOL_NOT_AVAILABLE: "counter/increment" is switched off for this chat (its disabled_tools)',
          },
        },
      });
    }
    expect((await patch([])).status).toBe(200);
    expect((await callFromView(app, 'increment', { by: 1 })).status).toBe(200);
  });

  it("should hold a view's call for the owner's approval where the server requires it", async () => {
    const { app, sessionId } = await showView('guarded__show_counter');
    const answered = callFromView(app, 'increment');
    const pending = await pendingViewApproval(sessionId);
    expect(pending.turn_id).toBeNull();
    expect(pending.data).toMatchObject({ server: 'guarded', tool: 'increment' });
    const url = `${t.url}/api/v3/sessions/${sessionId}/approvals/${pending.data.approval_id}`;
    expect((await postJson(url, { approved: false, reason: 'not now' })).status).toBe(200);
    const declined = await answered;
    expect(declined.status).toBe(200);
    expect(await declined.json()).toEqual({
      content: [{ type: 'text', text: expect.stringContaining('the user declined this tool call: not now') }],
      isError: true,
    });
  });

  it("should stop waiting for the approval of a view's call when the session ends", async () => {
    const { app, sessionId } = await showView('guarded__show_counter');
    const answered = callFromView(app, 'increment');
    await pendingViewApproval(sessionId);
    const deleted = await fetch(`${t.url}/api/v3/sessions/${sessionId}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    const expired = await answered;
    expect(expired.status).toBe(200);
    expect(await expired.json()).toEqual({
      content: [{ type: 'text', text: expect.stringContaining('did not approve this tool call in time') }],
      isError: true,
    });
  });
});
