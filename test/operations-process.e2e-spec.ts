import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { everythingServer } from './fixtures/mcp-servers';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { alive, startNode } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { connectSocket, connectSse } from './helpers/events';
import { createSession, postJson } from './helpers/http';

const API_KEY = 'alice-key-PLANTED-0123456789';
const LLM_KEY = 'sk-llm-PLANTED-0123456789';
const MESSAGE_TEXT = 'PLANTED-words-of-the-user';

interface LogLine {
  level: string;
  msg: string;
  session_id?: string;
  turn_id?: string;
  principal?: string;
  req?: { url: string; method: string };
  [field: string]: unknown;
}

/** The node's output as JSON lines; a line that is not JSON fails the test. */
function logLines(node: AppNode): LogLine[] {
  return node
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`Not a JSON log line: ${line}`);
      }
    });
}

/** The node run as operators run it (its own process): its log lines, and its drain on SIGTERM. */
describe('operations of the real process (e2e)', () => {
  let llm: ScriptedLlm;
  let llmUrl: string;
  let dir: string;
  const nodes: AppNode[] = [];
  const env = () => ({
    MCP_CONFIG: join(dir, 'mcp.json'),
    USERS_DIR: join(dir, 'users'),
    LLM_MODEL: 'openai:scripted',
    OPENAI_BASE_URL: llmUrl,
    OPENAI_API_KEY: LLM_KEY,
    LOG_FORMAT: 'json',
  });

  beforeAll(async () => {
    llm = new ScriptedLlm();
    llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'mcp-host-operations-'));
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { everything: everythingServer() } }));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    await llm.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("should write JSON lines that carry a turn's ids and never a key, a token or the user's words", async () => {
    const node = await startNode({ ...env(), LOG_LEVEL: 'debug', AUTH_API_KEYS: `alice:${API_KEY}` });
    nodes.push(node);
    const sessionId = await createSession(node.url, API_KEY);
    const stream = await connectSse(node.url, sessionId, {}, API_KEY);
    const sent = await postJson(
      `${node.url}/api/v3/chat/send`,
      { session_id: sessionId, message: `[[tool:echo {"message":"${MESSAGE_TEXT}"}]] ${MESSAGE_TEXT}` },
      API_KEY,
    );
    const { turn_id: turnId } = (await sent.json()) as { turn_id: string };
    expect(await stream.recorder.turnEnd(turnId)).toMatchObject({ type: 'final_response' });
    stream.close();
    const socket = await connectSocket(node.url, API_KEY);
    socket.socket.disconnect();
    await node.stop();

    const lines = logLines(node);
    const turn = (line: LogLine) => line.session_id === sessionId && line.turn_id === turnId;
    expect(lines.find((line) => turn(line) && /^Turn completed/.test(line.msg))).toBeDefined();
    const tool = lines.find((line) => turn(line) && /^Tool everything\/echo succeeded/.test(line.msg));
    expect(tool).toMatchObject({ level: 'debug', arguments: '[redacted]', result: '[redacted]' });
    expect(lines.find((line) => turn(line) && line.msg === 'Turn started')).toMatchObject({ content: '[redacted]' });
    // One access line per request, with who made it; the stream's token hidden in its URL.
    expect(lines.filter((line) => line.req?.method === 'POST' && line.req.url === '/api/v3/chat/send')).toEqual([
      expect.objectContaining({ principal: 'key:alice', res: { status: 202 } }),
    ]);
    expect(lines.find((line) => line.req?.url.startsWith('/api/v3/chat/stream'))?.req?.url).toContain(
      'access_token=[redacted]',
    );
    expect(lines.filter((line) => /^socket\.io connection closed/.test(line.msg))).toEqual([
      expect.objectContaining({ principal: 'key:alice', transport: 'websocket' }),
    ]);
    const output = node.output();
    for (const secret of [API_KEY, LLM_KEY, MESSAGE_TEXT, 'Bearer ']) {
      expect(output).not.toContain(secret);
    }
  });

  it('should drain on SIGTERM: not ready, SERVER_DRAINING for new turns, the running one finishes, exit 0', async () => {
    const node = await startNode({ ...env(), DRAIN_TIMEOUT_MS: '30000' });
    nodes.push(node);
    const client = await connectSocket(node.url);
    const { session_id: sessionId } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const ask = async (content: string) =>
      (await client.socket.emitWithAck('chat_message', { session_id: sessionId, content })) as {
        turn_id?: string;
        error?: { code: string };
      };
    // A turn that starts the MCP server, then one the model takes its time over.
    const warm = await ask('[[tool:echo {"message":"warm"}]]');
    await client.recorder.turnEnd(warm.turn_id!);
    const children = node.children();
    expect(children.length).toBeGreaterThan(0);
    const slow = await ask('[[hold:drain]]');
    await client.recorder.waitFor((event) => event.turn_id === slow.turn_id && event.type === 'partial_response');

    const exited = node.terminate();
    let ready = await fetch(`${node.url}/health/ready`);
    while (ready.status === 200) {
      ready = await fetch(`${node.url}/health/ready`);
    }
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: { node: { status: 'down' } } });
    expect(await ask('one more')).toEqual({ error: expect.objectContaining({ code: 'SERVER_DRAINING' }) });
    const viaRest = await postJson(`${node.url}/api/v3/chat/send`, { session_id: sessionId, message: 'one more' });
    expect(viaRest.status).toBe(503);
    expect(await viaRest.json()).toMatchObject({ error: { code: 'SERVER_DRAINING' } });

    llm.release('drain');
    expect(await client.recorder.turnEnd(slow.turn_id!)).toMatchObject({ type: 'final_response' });
    await client.recorder.waitFor((event) => event.type === 'session_end', 'session_end');
    expect(await exited).toBe(0);
    expect(children.filter(alive)).toEqual([]);
    client.socket.disconnect();
  });
});
