import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

import { connectSocket } from './helpers/events';
import { freePort } from './helpers/ports';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/** server-everything in its Streamable HTTP mode, as a remote server a user would point "url" at. */
async function startRemoteServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [require.resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'streamableHttp'],
    {
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`remote MCP server exited with ${code}`)));
  });
  return child;
}

describe('remote MCP server over Streamable HTTP (e2e)', () => {
  let remote: ChildProcess | undefined;
  let t: TestApp | undefined;

  afterAll(async () => {
    await t?.close();
    if (remote && remote.exitCode === null) {
      const exited = new Promise((resolve) => remote!.once('exit', resolve));
      remote.kill('SIGKILL');
      await exited;
    }
    await waitForNoChildren();
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
