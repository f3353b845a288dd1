import { everythingServer } from './fixtures/mcp-servers';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { freePort } from './helpers/ports';
import { mcpProcessIds, waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

describe('failures (e2e)', () => {
  let t: TestApp | undefined;
  let client: SocketClient | undefined;

  afterEach(async () => {
    client?.socket.disconnect();
    await t?.close();
    t = undefined;
    // Every child, not only the known servers: this file also starts broken and silent ones.
    await waitForNoChildren(/./);
  });

  it('should time out a hanging LLM with LLM_TIMEOUT and answer the next turn', async () => {
    t = await startApp({ LLM_TIMEOUT_MS: '500' });
    client = await connectSocket(t.url);
    const hung = await runSocketTurn(client, '[[hang]]');
    expect(hung.end).toMatchObject({
      type: 'error',
      data: { code: 'LLM_TIMEOUT', session_usable: true, message: expect.stringContaining('LLM_TIMEOUT_MS') },
    });
    const next = await runSocketTurn(client, 'awake?', hung.sessionId);
    expect(next.end).toMatchObject({ type: 'final_response', data: { content: 'Echo: awake?' } });
  });

  it('should report a refused LLM connection, say so on /health/ready, and keep the session usable', async () => {
    t = await startApp({ OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/v1` });
    client = await connectSocket(t.url);
    const refused = await runSocketTurn(client, 'hello');
    expect(refused.end).toMatchObject({ type: 'error', data: { code: 'LLM_ERROR', session_usable: true } });
    expect(refused.end.type === 'error' && refused.end.data.message).toMatch(/ECONNREFUSED|Connection error/);
    // Readiness says why: the endpoint does not answer its probe either.
    const ready = await fetch(`${t.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      error: { llm: { status: 'down' } },
      info: { session_store: { status: 'up' } },
    });
    const again = await runSocketTurn(client, 'still there?', refused.sessionId);
    expect(again.end).toMatchObject({ type: 'error', data: { code: 'LLM_ERROR', session_usable: true } });
  });

  it('should name an MCP server that fails to start and go on with the others', async () => {
    t = await startApp({
      MCP_CONFIG: writeMcpConfig({
        broken: { command: process.execPath, args: ['-e', 'process.exit(3)'] },
        everything: everythingServer(),
      }),
    });
    client = await connectSocket(t.url);
    const turn = await runSocketTurn(client, '[[tool:echo {"message":"still works"}]]');

    const failure = client.recorder.ofTurn(turn.turnId, ['error'])[0];
    expect(failure).toMatchObject({
      data: {
        code: 'MCP_SERVER_FAILED',
        server: 'broken',
        session_usable: true,
        message: expect.stringContaining('"broken"'),
      },
    });
    expect(turn.end).toMatchObject({ type: 'final_response', data: { content: 'Observed: Echo: still works' } });
    const servers = (await (await fetch(`${t.url}/api/v3/mcp/servers`)).json()) as {
      servers: Array<{ name: string; status: string }>;
    };
    expect(servers.servers.map((s) => [s.name, s.status])).toEqual([
      ['broken', 'error'],
      ['everything', 'ready'],
    ]);
    const health = (await (await fetch(`${t.url}/health`)).json()) as {
      status: string;
      details: { mcp: { status: string } };
    };
    expect(health.details.mcp.status).toBe('degraded');
  });

  it('should cancel a turn whose MCP server is still starting, promptly and without a failure notice', async () => {
    // Its start-up listing waits for the silent server as a turn would: no need to wait for it here.
    t = await startApp(
      { MCP_CONFIG: writeMcpConfig({ silent: { command: process.execPath, args: ['-e', 'process.stdin.resume()'] } }) },
      0,
      { awaitCatalog: false },
    );
    client = await connectSocket(t.url);
    const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const { turn_id } = (await client.socket.emitWithAck('chat_message', { session_id, content: 'hi' })) as {
      turn_id: string;
    };
    await client.recorder.waitFor((e) => e.turn_id === turn_id && e.type === 'status' && e.data.status === 'STARTING');

    await client.socket.emitWithAck('cancel', { session_id });
    const end = await client.recorder.turnEnd(turn_id);
    expect(end).toMatchObject({ type: 'error', data: { code: 'TURN_CANCELLED' } });
    expect(client.recorder.ofTurn(turn_id, ['error'])).toHaveLength(1);
  });

  it('should start without an LLM, say so on /health, and answer turns with what to set', async () => {
    t = await startApp({ LLM_MODEL: '', OPENAI_BASE_URL: '' });
    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: 'error',
      error: { llm: { status: 'down', message: expect.stringContaining('LLM_MODEL') } },
    });
    client = await connectSocket(t.url);
    const turn = await runSocketTurn(client, 'anyone?');
    expect(turn.end).toMatchObject({
      type: 'error',
      data: { code: 'LLM_NOT_CONFIGURED', session_usable: true, message: expect.stringContaining('LLM_MODEL') },
    });
    expect(mcpProcessIds()).toEqual([]);
  });

  it('should refuse to start on a bad setting, naming it', async () => {
    await expect(startApp({ REACT_MAX_ITERATIONS: 'many' })).rejects.toThrow(/REACT_MAX_ITERATIONS="many"/);
    await expect(startApp({ LLM_MODEL: 'gpt-4' })).rejects.toThrow(/LLM_MODEL/);
  });

  it('should refuse to start on a bad MCP config, naming the server and field', async () => {
    const config = writeMcpConfig({ files: { command: 'node', args: 'not-a-list' } });
    await expect(startApp({ MCP_CONFIG: config })).rejects.toThrow(
      /server "files": "args" must be an array of strings/,
    );
  });
});
