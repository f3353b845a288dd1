import type { ChildProcess } from 'node:child_process';

import { connectSocket, runSocketTurn } from './helpers/events';
import { freePort } from './helpers/ports';
import { killProcess, spawnListening, waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/** server-everything in its Streamable HTTP or legacy SSE mode, as a remote server a user would point "url" at. */
const startRemoteServer = (port: number, mode: 'streamableHttp' | 'sse' = 'streamableHttp'): Promise<ChildProcess> =>
  spawnListening(
    [require.resolve('@modelcontextprotocol/server-everything/dist/index.js'), mode],
    { PORT: String(port) },
    /listening|running on port/i,
  );

async function echoOverSocket(t: TestApp, message: string): Promise<unknown> {
  const client = await connectSocket(t.url);
  try {
    const turn = await runSocketTurn(client, `[[tool:echo {"message":"${message}"}]]`);
    return turn.end;
  } finally {
    client.socket.disconnect();
  }
}

describe('remote MCP servers (e2e)', () => {
  let remote: ChildProcess | undefined;
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await killProcess(remote);
    remote = undefined;
    await waitForNoChildren();
  });

  it('should speak legacy SSE to a server configured with "type": "sse"', async () => {
    const port = await freePort();
    remote = await startRemoteServer(port, 'sse');
    t = await startApp({
      MCP_CONFIG: writeMcpConfig({ legacy: { type: 'sse', url: `http://127.0.0.1:${port}/sse` } }),
    });
    expect(await echoOverSocket(t, 'over sse')).toMatchObject({
      type: 'final_response',
      data: { content: 'Observed: Echo: over sse' },
    });
  });

  it('should fall back to legacy SSE when a "url" server refuses Streamable HTTP', async () => {
    const port = await freePort();
    remote = await startRemoteServer(port, 'sse');
    t = await startApp({ MCP_CONFIG: writeMcpConfig({ old: { url: `http://127.0.0.1:${port}/sse` } }) });
    expect(await echoOverSocket(t, 'fallback')).toMatchObject({
      type: 'final_response',
      data: { content: 'Observed: Echo: fallback' },
    });
  });

  it('should call a tool on a server configured by url', async () => {
    const port = await freePort();
    remote = await startRemoteServer(port);
    t = await startApp({
      MCP_CONFIG: writeMcpConfig({ remote: { url: `http://127.0.0.1:${port}/mcp`, headers: { 'X-Test': 'yes' } } }),
    });
    const client = await connectSocket(t.url);
    try {
      const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
      const { turn_id } = (await client.socket.emitWithAck('chat_message', {
        session_id,
        content: '[[tool:echo {"message":"over http"}]]',
      })) as { turn_id: string };
      const end = await client.recorder.turnEnd(turn_id);
      expect(end).toMatchObject({ type: 'final_response', data: { content: 'Observed: Echo: over http' } });
      const servers = (await (await fetch(`${t.url}/api/v3/mcp/servers`)).json()) as { servers: unknown[] };
      expect(servers.servers).toEqual([
        expect.objectContaining({ name: 'remote', transport: 'http', status: 'ready', connections: 1 }),
      ]);
    } finally {
      client.socket.disconnect();
    }
  });
});
