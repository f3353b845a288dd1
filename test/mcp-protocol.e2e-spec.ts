import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { StreamEventOf } from '../src/contract/events';
import { everythingServer } from './fixtures/mcp-servers';
import { connectSocket, sendMessage, toolCallsOf } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { sentTo, waitUntil } from './helpers/wait';

const PROXY = require.resolve('./fixtures/recording-proxy.cjs');
const DYNAMIC = require.resolve('./fixtures/dynamic-tools-server.cjs');

/** server-everything behind the recording proxy: every client message lands in the record file. */
function recorded(recordFile: string, policy: object = {}) {
  const { command, args } = everythingServer();
  return { command, args: [PROXY, command, ...args], env: { RECORD_FILE: recordFile }, ...policy };
}

/** Waits until the server has been sent notifications/cancelled for the last tools/call it got. */
async function lastCallCancelled(recordFile: string): Promise<void> {
  const call = sentTo(recordFile)
    .filter((message) => message.method === 'tools/call')
    .at(-1)!;
  await waitUntil(
    () =>
      sentTo(recordFile).some(
        (message) => message.method === 'notifications/cancelled' && message.params?.requestId === call.id,
      ),
    `notifications/cancelled for request ${call.id}`,
  );
}

describe('MCP protocol features (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;
  let sessionId: string;
  let dir: string;
  let workspace: string;
  let recordFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-protocol-'));
    workspace = join(dir, 'workspace');
    recordFile = join(dir, 'everything.jsonl');
    t = await startApp({
      WORKSPACE_DIR: workspace,
      MCP_SAMPLING_MAX_PER_TURN: '1',
      MCP_CONFIG: writeMcpConfig({
        everything: recorded(recordFile),
        slow: recorded(join(dir, 'slow.jsonl'), { timeout_ms: 400, max_timeout_ms: 1500 }),
        dynamic: { command: process.execPath, args: [DYNAMIC] },
      }),
    });
    client = await connectSocket(t.url);
    sessionId = ((await client.socket.emitWithAck('join_chat', {})) as { session_id: string }).session_id;
  });

  afterAll(async () => {
    client?.socket.disconnect();
    await t?.close();
    await waitForNoChildren(/server-everything|dynamic-tools|recording-proxy/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('should stream progress notifications as tool_call events with a progress field', async () => {
    const turnId = await sendMessage(
      client,
      sessionId,
      '[[tool:everything__trigger-long-running-operation {"duration":1.5,"steps":5}]]',
    );
    expect(await client.recorder.turnEnd(turnId)).toMatchObject({ type: 'final_response' });
    const calls = toolCallsOf(client, turnId);
    expect(calls[0].data).toMatchObject({ status: 'running' });
    expect(calls[0].data.progress).toBeUndefined();
    expect(calls.at(-1)?.data).toMatchObject({ status: 'succeeded' });
    // The SDK handles a response before the notifications read with it, and drops those: the last
    // steps may not show when a loaded machine reads them in one go (300 ms apart, it rarely does).
    const progress = calls.slice(1, -1).map((event) => event.data.progress);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([1, 2, 3, 4, 5].slice(0, progress.length).map((step) => ({ progress: step, total: 5 })));
  });

  it('should let progress extend timeout_ms, up to max_timeout_ms', async () => {
    // A step every 200 ms keeps a 400 ms timeout alive for 1 s...
    const extended = await sendMessage(
      client,
      sessionId,
      '[[tool:slow__trigger-long-running-operation {"duration":1,"steps":5}]]',
    );
    await client.recorder.turnEnd(extended);
    expect(toolCallsOf(client, extended).at(-1)?.data).toMatchObject({ status: 'succeeded' });

    // ...but not past the 1.5 s hard cap.
    const capped = await sendMessage(
      client,
      sessionId,
      '[[tool:slow__trigger-long-running-operation {"duration":3,"steps":15}]]',
    );
    await client.recorder.turnEnd(capped);
    expect(toolCallsOf(client, capped).at(-1)?.data).toMatchObject({
      status: 'failed',
      error:
        'Error: MCP server "slow" did not finish "trigger-long-running-operation" within max_timeout_ms 1500; the call was cancelled',
    });
  });

  it('should time out a call without progress and send notifications/cancelled', async () => {
    const turnId = await sendMessage(
      client,
      sessionId,
      '[[tool:slow__trigger-long-running-operation {"duration":3,"steps":1}]]',
    );
    await client.recorder.turnEnd(turnId);
    expect(toolCallsOf(client, turnId).at(-1)?.data).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('within timeout_ms 400; the call was cancelled'),
    });
    await lastCallCancelled(join(dir, 'slow.jsonl'));
  });

  it('should cancel a running tool call when the turn is cancelled, and end the turn promptly', async () => {
    const turnId = await sendMessage(
      client,
      sessionId,
      '[[tool:everything__trigger-long-running-operation {"duration":30,"steps":60}]]',
    );
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'tool_call' && !!e.data.progress);
    expect(await client.socket.emitWithAck('cancel', { session_id: sessionId })).toEqual({
      session_id: sessionId,
      cancelled: true,
    });
    expect(await client.recorder.turnEnd(turnId)).toMatchObject({ type: 'error', data: { code: 'TURN_CANCELLED' } });
    await lastCallCancelled(recordFile);
  });

  it("should answer a server's sampling request with the session's model and stream it as a step", async () => {
    const turnId = await sendMessage(
      client,
      sessionId,
      '[[tool:everything__trigger-sampling-request {"prompt":"hello sampler"}]]',
    );
    const end = await client.recorder.turnEnd(turnId);
    const sampling = client.recorder.ofTurn(turnId, ['sampling']) as Array<StreamEventOf<'sampling'>>;
    expect(sampling.map((event) => event.data)).toEqual([
      expect.objectContaining({
        server: 'everything',
        status: 'running',
        prompt: 'user: Resource trigger-sampling-request context: hello sampler',
        system_prompt: 'You are a helpful test server.',
      }),
      expect.objectContaining({
        server: 'everything',
        status: 'succeeded',
        content: 'Echo: Resource trigger-sampling-request context: hello sampler',
      }),
    ]);
    expect(end.data).toMatchObject({
      content: expect.stringContaining('Echo: Resource trigger-sampling-request context: hello sampler'),
    });
  });

  it('should refuse sampling past MCP_SAMPLING_MAX_PER_TURN', async () => {
    const turnId = await sendMessage(
      client,
      sessionId,
      // Two calls of one server in the same step: "slow" would time one out on a busy machine.
      '[[tool:everything__trigger-sampling-request {"prompt":"one"}]] [[tool:everything__trigger-sampling-request {"prompt":"two"}]]',
    );
    await client.recorder.turnEnd(turnId);
    const results = toolCallsOf(client, turnId).filter((event) => event.data.status !== 'running');
    expect(results.map((event) => event.data.status).sort()).toEqual(['failed', 'succeeded']);
    expect(results.find((event) => event.data.status === 'failed')?.data.error).toContain(
      'Sampling refused: 1 requests per turn is the limit (MCP_SAMPLING_MAX_PER_TURN)',
    );
  });

  it('should stream an elicitation and pass the answer given over socket.io back to the server', async () => {
    const turnId = await sendMessage(client, sessionId, '[[tool:everything__trigger-elicitation-request {}]]');
    const pending = (await client.recorder.waitFor(
      (e) => e.turn_id === turnId && e.type === 'elicitation',
    )) as StreamEventOf<'elicitation'>;
    expect(pending.data).toMatchObject({
      server: 'everything',
      status: 'pending',
      message: expect.any(String),
      requested_schema: expect.objectContaining({ required: ['name'] }),
      expires_at: expect.any(String),
    });
    const id = pending.data.elicitation_id;

    // An answer that does not match the schema is refused, and the question stays open.
    expect(
      await client.socket.emitWithAck('elicitation_response', {
        session_id: sessionId,
        elicitation_id: id,
        action: 'accept',
        content: { integer: 7 },
      }),
    ).toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining("must have required property 'name'") },
    });
    expect(
      await client.socket.emitWithAck('elicitation_response', {
        session_id: sessionId,
        elicitation_id: id,
        action: 'accept',
        content: { name: 'Ada Lovelace', check: true },
      }),
    ).toEqual({ session_id: sessionId, elicitation_id: id, action: 'accept' });

    const end = await client.recorder.turnEnd(turnId);
    expect(end.data).toMatchObject({ content: expect.stringContaining('- Name: Ada Lovelace') });
    const answered = client.recorder.ofTurn(turnId, ['elicitation']).at(-1) as StreamEventOf<'elicitation'>;
    expect(answered.data).toMatchObject({
      elicitation_id: id,
      status: 'accepted',
      // Defaults of the schema filled what the user left out.
      content: expect.objectContaining({ name: 'Ada Lovelace', integer: 42 }),
    });
  });

  it('should take an elicitation answer over REST, and say so when it is no longer pending', async () => {
    const turnId = await sendMessage(client, sessionId, '[[tool:everything__trigger-elicitation-request {}]]');
    const pending = (await client.recorder.waitFor(
      (e) => e.turn_id === turnId && e.type === 'elicitation',
    )) as StreamEventOf<'elicitation'>;
    const url = `${t.url}/api/v3/sessions/${sessionId}/elicitations/${pending.data.elicitation_id}`;
    const answer = () =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"decline"}' });
    expect((await answer()).status).toBe(200);
    await client.recorder.turnEnd(turnId);
    expect(client.recorder.ofTurn(turnId, ['elicitation']).at(-1)?.data).toMatchObject({ status: 'declined' });

    const again = await answer();
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({
      error: { code: 'NOT_FOUND', message: expect.stringContaining('is not pending') },
    });
    const invalid = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"action":"maybe"}',
    });
    expect(invalid.status).toBe(400);
  });

  it("should offer the workspace folder as the client's root", async () => {
    const turnId = await sendMessage(client, sessionId, '[[tool:everything__get-roots-list {}]]');
    const end = await client.recorder.turnEnd(turnId);
    expect(end.data).toMatchObject({ content: expect.stringContaining(pathToFileURL(workspace).href) });
  });

  it('should refresh the tool set between turns after tools/list_changed', async () => {
    const added = await sendMessage(client, sessionId, '[[tool:add-tool {"name":"fresh-tool"}]]');
    expect((await client.recorder.turnEnd(added)).data).toMatchObject({ content: 'Observed: added fresh-tool' });
    // The status follows the re-read list; the agent gets it from the next turn.
    const dynamicTools = async () => {
      const body = (await (await fetch(`${t.url}/api/v3/mcp/servers`)).json()) as {
        servers: Array<{ name: string; tools: Array<{ name: string }> }>;
      };
      return body.servers.find((server) => server.name === 'dynamic')!.tools.map((tool) => tool.name);
    };
    await waitUntil(async () => (await dynamicTools()).includes('fresh-tool'), 'the re-read tool list');
    expect(await dynamicTools()).toEqual(['add-tool', 'fresh-tool']);

    const used = await sendMessage(client, sessionId, '[[tool:fresh-tool {}]]');
    expect((await client.recorder.turnEnd(used)).data).toMatchObject({ content: 'Observed: this is fresh-tool' });
    expect(t.llm.requests.at(-1)?.tools?.map((tool) => tool.function.name)).toContain('fresh-tool');
  });

  describe('resources and prompts over REST', () => {
    const get = async (path: string) => {
      const response = await fetch(`${t.url}/api/v3/mcp/servers/${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    it('should list and read resources and templates through the session client', async () => {
      const listed = await get(`everything/resources?session_id=${sessionId}`);
      expect(listed.status).toBe(200);
      const resources = listed.body.resources as Array<{ uri: string; name: string }>;
      expect(resources.length).toBeGreaterThan(0);

      const read = await get(
        `everything/resources/read?session_id=${sessionId}&uri=${encodeURIComponent(resources[0].uri)}`,
      );
      expect(read.status).toBe(200);
      expect(read.body.contents).toEqual([expect.objectContaining({ uri: resources[0].uri })]);

      const templates = await get(`everything/resource-templates?session_id=${sessionId}`);
      expect(templates.status).toBe(200);
      expect(templates.body.resourceTemplates).toEqual(
        expect.arrayContaining([expect.objectContaining({ uriTemplate: expect.any(String) })]),
      );
    });

    it('should list prompts and fill one with its arguments', async () => {
      const listed = await get(`everything/prompts?session_id=${sessionId}`);
      expect(listed.status).toBe(200);
      const names = (listed.body.prompts as Array<{ name: string }>).map((prompt) => prompt.name);
      expect(names).toContain('args-prompt');

      const response = await fetch(`${t.url}/api/v3/mcp/servers/everything/prompts/args-prompt/get`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session_id: sessionId, arguments: { city: 'Lisbon', state: 'Portugal' } }),
      });
      expect(response.status).toBe(200);
      expect(JSON.stringify(await response.json())).toContain('Lisbon');
    });

    it('should name what is wrong: no session, unknown server, unknown session, unsupported feature', async () => {
      expect(await get('everything/resources')).toEqual({
        status: 400,
        body: { error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('session_id is required') } },
      });
      expect(await get(`nope/resources?session_id=${sessionId}`)).toEqual({
        status: 404,
        body: { error: { code: 'NOT_FOUND', message: 'No MCP server named "nope" is configured' } },
      });
      expect(await get('everything/resources?session_id=no-such-session')).toMatchObject({
        status: 404,
        body: { error: { code: 'SESSION_NOT_FOUND' } },
      });
      expect(await get(`dynamic/prompts?session_id=${sessionId}`)).toEqual({
        status: 404,
        body: { error: { code: 'NOT_FOUND', message: 'MCP server "dynamic" does not offer prompts' } },
      });
    });
  });

  it('should keep the session usable after all of this', async () => {
    const turnId = await sendMessage(client, sessionId, '[[tool:everything__echo {"message":"still fine"}]]');
    expect(await client.recorder.turnEnd(turnId)).toMatchObject({
      type: 'final_response',
      data: { content: 'Observed: Echo: still fine' },
    });
  });
});

/** A fresh app and session for the block; closed, with its MCP processes, after it. */
function appWithSession(overrides: Record<string, string>) {
  const ctx = {} as { t: TestApp; client: SocketClient; sessionId: string };
  beforeAll(async () => {
    ctx.t = await startApp(overrides);
    ctx.client = await connectSocket(ctx.t.url);
    ctx.sessionId = ((await ctx.client.socket.emitWithAck('join_chat', {})) as { session_id: string }).session_id;
  });
  afterAll(async () => {
    ctx.client?.socket.disconnect();
    await ctx.t?.close();
    await waitForNoChildren();
  });
  return ctx;
}

const elicitationStatuses = (client: SocketClient, turnId: string) =>
  (client.recorder.ofTurn(turnId, ['elicitation']) as Array<StreamEventOf<'elicitation'>>).map(
    (event) => event.data.status,
  );

describe('MCP elicitation left unanswered (e2e)', () => {
  const ctx = appWithSession({ MCP_ELICITATION_TIMEOUT_MS: '300' });

  it('should decline it after MCP_ELICITATION_TIMEOUT_MS and let the server go on', async () => {
    const turnId = await sendMessage(ctx.client, ctx.sessionId, '[[tool:trigger-elicitation-request {}]]');
    const end = await ctx.client.recorder.turnEnd(turnId);
    expect(elicitationStatuses(ctx.client, turnId)).toEqual(['pending', 'expired']);
    expect(end).toMatchObject({ type: 'final_response', data: { content: expect.stringContaining('decline') } });
  });
});

describe('MCP elicitation of a cancelled turn (e2e)', () => {
  const ctx = appWithSession({});

  it('should cancel it with the turn', async () => {
    const { client, sessionId } = ctx;
    const turnId = await sendMessage(client, sessionId, '[[tool:trigger-elicitation-request {}]]');
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'elicitation');
    await client.socket.emitWithAck('cancel', { session_id: sessionId });
    expect(await client.recorder.turnEnd(turnId)).toMatchObject({ type: 'error', data: { code: 'TURN_CANCELLED' } });
    await client.recorder.waitFor(
      (e) => e.turn_id === turnId && e.type === 'elicitation' && e.data.status === 'cancelled',
      'the cancelled elicitation',
    );
    expect(elicitationStatuses(client, turnId)).toEqual(['pending', 'cancelled']);
  });
});
