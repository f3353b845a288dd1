import type { StreamEventOf } from '../src/contract/events';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { childProcesses, mcpProcessIds, waitForExit, waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const STUBBORN = require.resolve('./fixtures/stubborn-server.cjs');

async function send(client: SocketClient, sessionId: string, content: string): Promise<string> {
  const ack = (await client.socket.emitWithAck('chat_message', { session_id: sessionId, content })) as {
    turn_id: string;
  };
  return ack.turn_id;
}

const mcpStatuses = (client: SocketClient) =>
  client.recorder.events
    .filter((event) => event.type === 'mcp_status')
    .map((event) => (event as StreamEventOf<'mcp_status'>).data);

describe('MCP server faults (e2e)', () => {
  let t: TestApp | undefined;
  let client: SocketClient | undefined;

  afterEach(async () => {
    client?.socket.disconnect();
    client = undefined;
    await t?.close();
    t = undefined;
    // Every child, not only the known servers: this file starts stubborn and stopped ones.
    await waitForNoChildren(/./);
  });

  it('should report a server killed mid-call to the model, restart it, and use it in the next turn', async () => {
    t = await startApp({ MCP_RESTART_BASE_MS: '50' });
    client = await connectSocket(t.url);
    const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const turnId = await send(client, session_id, '[[tool:trigger-long-running-operation {"duration":30,"steps":60}]]');
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'tool_call' && !!e.data.progress);
    const [pid] = mcpProcessIds(/server-everything/);
    process.kill(pid, 'SIGKILL');

    const end = await client.recorder.turnEnd(turnId);
    expect(end).toMatchObject({
      type: 'final_response',
      data: { content: expect.stringContaining('closed the connection during "trigger-long-running-operation"') },
    });
    await client.recorder.waitFor((e) => e.type === 'mcp_status' && e.data.state === 'ready', 'the restart');
    expect(mcpStatuses(client)).toEqual([
      expect.objectContaining({
        server: 'everything',
        state: 'restarting',
        reason: 'the server process exited',
        attempt: 0,
      }),
      expect.objectContaining({
        server: 'everything',
        state: 'ready',
        attempt: 1,
        tools: expect.arrayContaining(['echo']),
      }),
    ]);

    const next = await runSocketTurn(client, '[[tool:echo {"message":"back again"}]]', session_id);
    expect(next.end).toMatchObject({ type: 'final_response', data: { content: 'Observed: Echo: back again' } });
    expect(mcpProcessIds(/server-everything/)).not.toContain(pid);
  });

  it('should restart a server that stops answering the heartbeat ping, killing the hung process', async () => {
    t = await startApp({ HEARTBEAT_MS: '200', MCP_PING_TIMEOUT_MS: '300', MCP_RESTART_BASE_MS: '50' });
    client = await connectSocket(t.url);
    const first = await runSocketTurn(client, '[[tool:echo {"message":"alive"}]]');
    const [pid] = mcpProcessIds(/server-everything/);
    process.kill(pid, 'SIGSTOP');

    await client.recorder.waitFor((e) => e.type === 'mcp_status' && e.data.state === 'ready', 'the restart');
    expect(mcpStatuses(client)[0]).toMatchObject({
      state: 'restarting',
      reason: expect.stringContaining('no answer to ping within 300 ms'),
    });
    // It ignored stdin and SIGTERM while stopped: only SIGKILL could end it.
    await waitForExit([pid]);
    const next = await runSocketTurn(client, '[[tool:echo {"message":"answering"}]]', first.sessionId);
    expect(next.end).toMatchObject({ type: 'final_response', data: { content: 'Observed: Echo: answering' } });
  });

  it('should leave no process behind at shutdown, even a server that ignores SIGTERM', async () => {
    t = await startApp({ MCP_CONFIG: writeMcpConfig({ stubborn: { command: process.execPath, args: [STUBBORN] } }) });
    client = await connectSocket(t.url);
    const turn = await runSocketTurn(client, '[[tool:echo {"message":"stubborn"}]]');
    expect(turn.end).toMatchObject({ type: 'final_response', data: { content: 'Observed: Echo: stubborn' } });
    const [pid] = mcpProcessIds(/stubborn-server/);
    expect(pid).toBeGreaterThan(0);

    client.socket.disconnect();
    client = undefined;
    await t.close();
    t = undefined;
    expect(childProcesses().filter((line) => line.includes('stubborn-server'))).toEqual([]);
  });

  it('should refuse to start with a command that does not exist, naming the server and the field', async () => {
    await expect(
      startApp({ MCP_CONFIG: writeMcpConfig({ ghost: { command: 'mcp-ghost-server-not-installed', args: [] } }) }),
    ).rejects.toThrow(/server "ghost": "command" "mcp-ghost-server-not-installed" was not found on PATH/);
  });

  it('should give the server place of an idle session to another at MCP_MAX_PROCESSES, refusing only busy ones', async () => {
    t = await startApp({ MCP_MAX_PROCESSES: '1' });
    client = await connectSocket(t.url);
    const first = await runSocketTurn(client, '[[tool:echo {"message":"first"}]]');
    const firstServer = mcpProcessIds(/server-everything/);
    expect(firstServer).toHaveLength(1);

    // The first session is idle: its server is closed for the second, whose tool runs.
    const second = await runSocketTurn(client, '[[tool:echo {"message":"second"}]]');
    expect(second.end).toMatchObject({ type: 'final_response', data: { content: 'Observed: Echo: second' } });
    expect(client.recorder.ofTurn(second.turnId, ['error'])).toEqual([]);
    await waitForExit(firstServer);
    expect(mcpProcessIds(/server-everything/)).toHaveLength(1);

    // The first session's next turn starts its server again, in the second's place.
    const again = await runSocketTurn(client, '[[tool:echo {"message":"again"}]]', first.sessionId);
    expect(again.end).toMatchObject({ type: 'final_response', data: { content: 'Observed: Echo: again' } });

    // While the first session's turn runs, the one process is its own: the second is refused, clearly.
    const held = (await client.socket.emitWithAck('chat_message', {
      session_id: first.sessionId,
      content: '[[hold:cap]]',
    })) as { turn_id: string };
    await t.llm.held('cap');
    const refused = await runSocketTurn(client, 'no tools for me?', second.sessionId);
    expect(client.recorder.ofTurn(refused.turnId, ['error'])[0]).toMatchObject({
      data: {
        code: 'MCP_PROCESS_LIMIT',
        server: 'everything',
        session_usable: true,
        message: expect.stringContaining('all 1 MCP server processes (MCP_MAX_PROCESSES) serve running turns'),
      },
    });
    expect(refused.end).toMatchObject({ type: 'final_response', data: { content: 'Echo: no tools for me?' } });
    t.llm.release('cap');
    await client.recorder.turnEnd(held.turn_id);
  });
});
