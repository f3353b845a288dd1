import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StreamEventOf } from '../src/contract/events';
import { everythingServer } from './fixtures/mcp-servers';
import { connectSocket } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { freePort } from './helpers/ports';
import { killProcess, spawnListening, waitForNoChildren } from './helpers/processes';
import { startTcpProxy } from './helpers/tcp-proxy';
import type { TcpProxy } from './helpers/tcp-proxy';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { sentTo, waitUntil } from './helpers/wait';

const PROXY = require.resolve('./fixtures/recording-proxy.cjs');

/** server-everything over Streamable HTTP, as a remote server. */
const startRemoteEverything = (port: number): Promise<ChildProcess> =>
  spawnListening([everythingServer().args[0], 'streamableHttp'], { PORT: String(port) }, /listening|running on port/i);

/** A tool call that the server turns into a task (MCP 2025-11-25 tasks), through server-everything's research tool. */
describe('MCP tasks (e2e)', () => {
  let t: TestApp;
  let remote: ChildProcess;
  let proxy: TcpProxy;
  let client: SocketClient;
  let sessionId: string;
  let dir: string;
  let record: string;
  let cappedRecord: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-tasks-'));
    record = join(dir, 'everything.jsonl');
    cappedRecord = join(dir, 'capped.jsonl');
    const port = await freePort();
    remote = await startRemoteEverything(port);
    proxy = await startTcpProxy(port);
    const { command, args } = everythingServer();
    t = await startApp({
      MCP_CONFIG: writeMcpConfig({
        local: { command, args: [PROXY, command, ...args], env: { RECORD_FILE: record } },
        // Its research task takes about 4 s: past max_timeout_ms (timeout_ms as long, so that a
        // slow poll on a loaded machine cannot end it first).
        capped: {
          command,
          args: [PROXY, command, ...args],
          env: { RECORD_FILE: cappedRecord },
          timeout_ms: 1500,
          max_timeout_ms: 1500,
        },
        remote: { type: 'http', url: `http://127.0.0.1:${proxy.port}/mcp`, blocked_tools: ['echo'] },
      }),
    });
    client = await connectSocket(t.url);
    sessionId = ((await client.socket.emitWithAck('join_chat', {})) as { session_id: string }).session_id;
  });

  afterAll(async () => {
    client?.socket.disconnect();
    await t?.close();
    await proxy?.close();
    await killProcess(remote);
    await waitForNoChildren(/server-everything|recording-proxy/);
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (content: string) =>
    ((await client.socket.emitWithAck('chat_message', { session_id: sessionId, content })) as { turn_id: string })
      .turn_id;
  const calls = (turnId: string) => client.recorder.ofTurn(turnId, ['tool_call']) as Array<StreamEventOf<'tool_call'>>;

  it("should follow a task to its result, streaming the task's status as tool_call progress", async () => {
    const turnId = await send('[[tool:local__simulate-research-query {"topic":"cats"}]]');
    await client.recorder.turnEnd(turnId);
    const messages = calls(turnId).flatMap((event) =>
      event.data.progress?.message ? [event.data.progress.message] : [],
    );
    // Which stages a poll catches depends on timing (a loaded machine may poll past one): the
    // first one, at least one more, each once, and the end.
    expect(messages[0]).toBe('task working: Gathering sources...');
    expect(messages.filter((message) => message.startsWith('task working: ')).length).toBeGreaterThanOrEqual(2);
    expect(new Set(messages).size).toBe(messages.length);
    expect(messages.at(-1)).toMatch(/^task completed/);
    expect(calls(turnId).at(-1)?.data).toMatchObject({
      status: 'succeeded',
      result: expect.stringContaining('# Research Report: cats'),
    });
    const created = sentTo(record).find((message) => message.method === 'tools/call' && message.params?.task);
    expect(created?.params).toMatchObject({ name: 'simulate-research-query', task: { ttl: expect.any(Number) } });
    expect(sentTo(record).some((message) => message.method === 'tasks/get')).toBe(true);
  });

  it('should ask the user when the task needs input, and finish it with the answer', async () => {
    const turnId = await send('[[tool:local__simulate-research-query {"topic":"python","ambiguous":true}]]');
    const pending = (await client.recorder.waitFor(
      (e) => e.turn_id === turnId && e.type === 'elicitation',
      'the task asking for input',
    )) as StreamEventOf<'elicitation'>;
    const options = (pending.data.requested_schema.properties as Record<string, { oneOf: Array<{ const: string }> }>)
      .interpretation.oneOf;
    await client.socket.emitWithAck('elicitation_response', {
      session_id: sessionId,
      elicitation_id: pending.data.elicitation_id,
      action: 'accept',
      content: { interpretation: options[0].const },
    });
    await client.recorder.turnEnd(turnId);
    expect(calls(turnId).some((event) => event.data.progress?.message?.startsWith('task input_required'))).toBe(true);
    expect(calls(turnId).at(-1)?.data).toMatchObject({
      status: 'succeeded',
      result: expect.stringContaining(`**Clarification**: ${options[0].const}`),
    });
  });

  it('should cancel the task when the turn is cancelled', async () => {
    const turnId = await send('[[tool:local__simulate-research-query {"topic":"dogs"}]]');
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'tool_call' && !!e.data.progress);
    await client.socket.emitWithAck('cancel', { session_id: sessionId });
    expect(await client.recorder.turnEnd(turnId)).toMatchObject({ type: 'error', data: { code: 'TURN_CANCELLED' } });
    const created = sentTo(record)
      .filter((message) => message.method === 'tools/call' && message.params?.task)
      .at(-1)!;
    await waitUntil(
      () => sentTo(record).some((message) => message.method === 'tasks/cancel'),
      'tasks/cancel to reach the server',
    );
    expect(created).toBeDefined();
  });

  it('should cancel a task that outlasts max_timeout_ms, and tell the model so', async () => {
    const turnId = await send('[[tool:capped__simulate-research-query {"topic":"bats"}]]');
    await client.recorder.turnEnd(turnId);
    expect(calls(turnId).at(-1)?.data).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/did not finish "simulate-research-query" within max_timeout_ms 1500/),
    });
    await waitUntil(
      () => sentTo(cappedRecord).some((message) => message.method === 'tasks/cancel'),
      'tasks/cancel to reach the server',
    );
  });

  it('should follow a task over Streamable HTTP through dropped connections and a short outage', async () => {
    const turnId = await send('[[tool:remote__simulate-research-query {"topic":"owls"}]]');
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'tool_call' && !!e.data.progress);
    // The network goes away for longer than the task's poll interval (1 s): polls fail, and are tried again.
    const before = new Set(calls(turnId).map((event) => event.data.progress?.message));
    expect(proxy.outage(1500)).toBeGreaterThan(0);
    await client.recorder.waitFor(
      (e) =>
        e.turn_id === turnId &&
        e.type === 'tool_call' &&
        e.data.progress?.message !== undefined &&
        !before.has(e.data.progress.message),
      'the task going on after the first blip',
    );
    proxy.cut();
    await client.recorder.turnEnd(turnId);
    expect(calls(turnId).at(-1)?.data).toMatchObject({
      status: 'succeeded',
      result: expect.stringContaining('# Research Report: owls'),
    });
  });
});
