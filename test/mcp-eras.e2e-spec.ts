import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StreamEventOf } from '../src/contract/events';
import { everythingServer } from './fixtures/mcp-servers';
import { connectSocket, sendMessage, toolCallsOf } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { freePort } from './helpers/ports';
import { childProcesses, killProcess, spawnListening, waitForExit, waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { linesOf, waitUntil } from './helpers/wait';

const MODERN = require.resolve('./fixtures/modern-server.cjs');

interface Listed {
  name: string;
  tools: Array<{ name: string }>;
  [key: string]: unknown;
}

const servers = async (t: TestApp): Promise<Listed[]> =>
  ((await (await fetch(`${t.url}/api/v3/mcp/servers`)).json()) as { servers: Listed[] }).servers;

/** The 2026-07-28 fixture over Streamable HTTP on loopback, as a remote server a user would point "url" at. */
const startModernHttp = (port: number, eventsFile: string): Promise<ChildProcess> =>
  spawnListening([MODERN, '--http', String(port), '--modern-only'], { EVENTS_FILE: eventsFile }, /listening/, 'stdout');

const lastResult = (client: SocketClient, turnId: string) => toolCallsOf(client, turnId).at(-1)?.data;

describe('MCP protocol eras: 2026-07-28 beside 2025-11-25 (e2e)', () => {
  let t: TestApp;
  let remote: ChildProcess;
  let client: SocketClient;
  let sessionId: string;
  let dir: string;
  let stdioEvents: string;
  let httpEvents: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-eras-'));
    stdioEvents = join(dir, 'stdio-events');
    httpEvents = join(dir, 'http-events');
    const port = await freePort();
    remote = await startModernHttp(port, httpEvents);
    t = await startApp({
      WORKSPACE_DIR: join(dir, 'workspace'),
      MCP_CONFIG: writeMcpConfig({
        // Discovered: speaks 2026-07-28 (and would serve a 2025 client too).
        modern: { command: process.execPath, args: [MODERN], env: { EVENTS_FILE: stdioEvents } },
        // Pinned, and refuses 2025 clients.
        pinned: { command: process.execPath, args: [MODERN, '--modern-only'], protocol: '2026-07-28' },
        remote: { type: 'http', url: `http://127.0.0.1:${port}/mcp`, timeout_ms: 500 },
        // A 2025-11-25 server: discovery falls back.
        legacy: everythingServer(),
        // Pinned to 2026-07-28, but it only speaks 2025-11-25: a clear failure.
        wrong: { ...everythingServer(), protocol: '2026-07-28' },
      }),
    });
    client = await connectSocket(t.url);
    sessionId = ((await client.socket.emitWithAck('join_chat', {})) as { session_id: string }).session_id;
  });

  afterAll(async () => {
    client?.socket.disconnect();
    await t?.close();
    await killProcess(remote);
    await waitForNoChildren(/modern-server|server-everything/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('should show the revision each server speaks, and why a pinned one that cannot speak it failed', async () => {
    const byName = Object.fromEntries((await servers(t)).map((server) => [server.name, server]));
    expect(byName.modern).toMatchObject({ protocol: 'auto', protocol_version: '2026-07-28', catalog: 'listed' });
    expect(byName.pinned).toMatchObject({ protocol: '2026-07-28', protocol_version: '2026-07-28' });
    expect(byName.remote).toMatchObject({ protocol: 'auto', protocol_version: '2026-07-28' });
    expect(byName.legacy).toMatchObject({ protocol: 'auto', protocol_version: '2025-11-25' });
    expect(byName.wrong).toMatchObject({
      protocol: '2026-07-28',
      protocol_version: null,
      catalog: 'failed',
      last_error: expect.stringMatching(/negotiat/i),
    });
    expect(byName.modern.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'slow', 'ask', 'summarize', 'roots', 'grow']),
    );
  });

  it('should call tools of both eras, over stdio and Streamable HTTP, in one turn', async () => {
    const turnId = await sendMessage(
      client,
      sessionId,
      '[[tool:modern__echo {"message":"a"}]] [[tool:remote__echo {"message":"b"}]] [[tool:legacy__echo {"message":"c"}]]',
    );
    expect(await client.recorder.turnEnd(turnId)).toMatchObject({ type: 'final_response' });
    const results = toolCallsOf(client, turnId).filter((event) => event.data.status === 'succeeded');
    expect(results.map((event) => event.data.result).sort()).toEqual(['Echo: a', 'Echo: b', 'Echo: c']);
  });

  it.each(['modern', 'remote'])(
    'should answer an input_required elicitation of %s with the user, as an elicitation event',
    async (server) => {
      const turnId = await sendMessage(client, sessionId, `[[tool:${server}__ask {}]]`);
      const pending = (await client.recorder.waitFor(
        (e) => e.turn_id === turnId && e.type === 'elicitation',
      )) as StreamEventOf<'elicitation'>;
      expect(pending.data).toMatchObject({ server, status: 'pending', message: 'What is your name?' });
      expect(
        await client.socket.emitWithAck('elicitation_response', {
          session_id: sessionId,
          elicitation_id: pending.data.elicitation_id,
          action: 'accept',
          content: { name: 'Ada' },
        }),
      ).toMatchObject({ action: 'accept' });
      await client.recorder.turnEnd(turnId);
      expect(lastResult(client, turnId)).toMatchObject({ status: 'succeeded', result: 'Hello, Ada' });
    },
  );

  it("should answer an input_required sampling request with the session's model", async () => {
    const turnId = await sendMessage(client, sessionId, '[[tool:modern__summarize {"text":"the long text"}]]');
    await client.recorder.turnEnd(turnId);
    const sampling = client.recorder.ofTurn(turnId, ['sampling']) as Array<StreamEventOf<'sampling'>>;
    expect(sampling.map((event) => event.data.status)).toEqual(['running', 'succeeded']);
    expect(lastResult(client, turnId)).toMatchObject({
      status: 'succeeded',
      result: 'Summary: Echo: Summarize: the long text',
    });
  });

  it('should answer an input_required roots request with the workspace', async () => {
    const turnId = await sendMessage(client, sessionId, '[[tool:modern__roots {}]]');
    await client.recorder.turnEnd(turnId);
    expect(lastResult(client, turnId)).toMatchObject({
      status: 'succeeded',
      result: expect.stringMatching(/^file:\/\/.*workspace$/),
    });
  });

  it.each([
    ['modern', () => stdioEvents],
    ['remote', () => httpEvents],
  ])('should stream progress of %s and cancel its call when the turn is cancelled', async (server, events) => {
    const turnId = await sendMessage(client, sessionId, `[[tool:${server}__slow {"steps":100,"ms":100}]]`);
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'tool_call' && !!e.data.progress);
    expect(toolCallsOf(client, turnId).find((event) => event.data.progress)?.data.progress).toEqual({
      progress: 1,
      total: 100,
      message: 'step 1',
    });
    await client.socket.emitWithAck('cancel', { session_id: sessionId });
    expect(await client.recorder.turnEnd(turnId)).toMatchObject({ type: 'error', data: { code: 'TURN_CANCELLED' } });
    await waitUntil(() => linesOf(events()).includes('cancelled slow'), `${server} to see the call cancelled`);
  });

  it('should time out a call that makes no progress (timeout_ms) on the new era too', async () => {
    const turnId = await sendMessage(client, sessionId, '[[tool:remote__slow {"steps":1,"ms":5000}]]');
    await client.recorder.turnEnd(turnId);
    expect(lastResult(client, turnId)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('within timeout_ms 500; the call was cancelled'),
    });
  });

  it('should hear list changes on subscriptions/listen and offer the new tool from the next turn', async () => {
    const grow = await sendMessage(
      client,
      sessionId,
      '[[tool:modern__grow {"name":"sprout"}]] [[tool:remote__grow {"name":"shoot"}]]',
    );
    await client.recorder.turnEnd(grow);
    // The listing follows the re-read tool lists (stdio and HTTP); the agent gets them from the next turn.
    const toolsOf = async (name: string) =>
      (await servers(t)).find((server) => server.name === name)!.tools.map((tool) => tool.name);
    await waitUntil(async () => (await toolsOf('modern')).includes('sprout'), 'the re-read stdio tool list');
    await waitUntil(async () => (await toolsOf('remote')).includes('shoot'), 'the re-read HTTP tool list');
    // Its name is unique among the servers' tools, so it is not prefixed.
    const turnId = await sendMessage(client, sessionId, '[[tool:sprout {}]]');
    await client.recorder.turnEnd(turnId);
    expect(lastResult(client, turnId)).toMatchObject({ status: 'succeeded', result: 'sprout ran' });
  });

  it('should read resources and prompts of a 2026-07-28 server over REST', async () => {
    const base = `${t.url}/api/v3/mcp/servers/modern`;
    const resource = await fetch(
      `${base}/resources/read?uri=${encodeURIComponent('note://hello')}&session_id=${sessionId}`,
    );
    expect(await resource.json()).toMatchObject({
      contents: [expect.objectContaining({ text: 'Hello from the modern server' })],
    });
    // The 2026-07-28 form of "resource not found" (-32602 naming the URI) is a 404 too.
    const missing = await fetch(
      `${base}/resources/read?uri=${encodeURIComponent('note://missing')}&session_id=${sessionId}`,
    );
    expect({ status: missing.status, body: await missing.json() }).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: expect.stringContaining('note://missing') } },
    });
    const prompt = await fetch(`${base}/prompts/greet/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: { who: 'Ada' }, session_id: sessionId }),
    });
    expect(await prompt.json()).toMatchObject({
      messages: [expect.objectContaining({ content: expect.objectContaining({ text: 'Greet Ada' }) })],
    });
  });

  it('should restart a 2026-07-28 stdio server that died', async () => {
    const [pid] = childProcesses()
      .filter((line) => line.includes('modern-server.cjs') && !line.includes('--'))
      .map((line) => Number.parseInt(line, 10));
    process.kill(pid, 'SIGKILL');
    await waitForExit([pid]);
    await client.recorder.waitFor(
      (e) => e.type === 'mcp_status' && e.data.server === 'modern' && e.data.state === 'ready' && !!e.data.attempt,
    );
    const turnId = await sendMessage(client, sessionId, '[[tool:modern__echo {"message":"again"}]]');
    await client.recorder.turnEnd(turnId);
    expect(lastResult(client, turnId)).toMatchObject({ status: 'succeeded', result: 'Echo: again' });
  });
});
