import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StreamEventOf } from '../src/contract/events';
import { connectSocket, sendMessage, toolCallsOf } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { freePort } from './helpers/ports';
import { killProcess, spawnListening, waitForNoChildren } from './helpers/processes';
import { startTcpProxy } from './helpers/tcp-proxy';
import type { TcpProxy } from './helpers/tcp-proxy';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { linesOf, waitUntil } from './helpers/wait';

const TASKS_SERVER = require.resolve('./fixtures/tasks-server.mjs');

/** Tasks as the 2026-07-28 revision has them: the io.modelcontextprotocol/tasks extension (SEP-2663). */
describe('MCP tasks extension, 2026-07-28 (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;
  let dir: string;
  let events: string;
  let remote: ChildProcess;
  let proxy: TcpProxy;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-tasks-ext-'));
    events = join(dir, 'events.txt');
    const port = await freePort();
    remote = await spawnListening([TASKS_SERVER, '--http', String(port)], {}, /listening/, 'stdout');
    proxy = await startTcpProxy(port);
    t = await startApp({
      MCP_CONFIG: writeMcpConfig({
        research: { command: process.execPath, args: [TASKS_SERVER], env: { EVENTS_FILE: events } },
        remote: { type: 'http', url: `http://127.0.0.1:${proxy.port}/mcp` },
      }),
    });
    client = await connectSocket(t.url);
  });

  afterAll(async () => {
    client?.socket.disconnect();
    await t?.close();
    await proxy?.close();
    await killProcess(remote);
    await waitForNoChildren(/tasks-server/);
    rmSync(dir, { recursive: true, force: true });
  });

  const answer = (sessionId: string, elicitationId: string) =>
    client.socket.emitWithAck('elicitation_response', {
      session_id: sessionId,
      elicitation_id: elicitationId,
      action: 'accept',
      content: { preprints: true },
    });

  const newSession = async () =>
    ((await client.socket.emitWithAck('join_chat', {})) as { session_id: string }).session_id;

  /** The turn's elicitation, once the task asks its question. */
  const question = (turnId: string) =>
    client.recorder.waitFor(
      (event) => event.turn_id === turnId && event.type === 'elicitation' && event.data.status === 'pending',
      "the task's question",
    ) as Promise<StreamEventOf<'elicitation'>>;

  it('should follow a task to its result, answering its question, with its status as tool_call progress', async () => {
    const sessionId = await newSession();
    const turnId = await sendMessage(client, sessionId, '[[tool:research__research {"topic":"tides"}]]');
    const asked = await question(turnId);
    expect(asked.data).toMatchObject({ server: 'research', message: 'Include preprints in the research on tides?' });
    expect(await answer(sessionId, asked.data.elicitation_id)).toMatchObject({ action: 'accept' });
    const end = await client.recorder.turnEnd(turnId);
    expect(end.data).toMatchObject({ content: 'Observed: Research on tides: 3 sources, preprints included' });
    const progress = toolCallsOf(client, turnId).flatMap((event) =>
      event.data.progress?.message ? [event.data.progress.message] : [],
    );
    expect(progress).toEqual([
      'task working: Gathering sources',
      'task input_required: Waiting for an answer',
      'task working: Writing the summary',
      'task completed: Done',
    ]);
    const seen = linesOf(events);
    expect(seen.filter((line) => line.startsWith('created'))).toHaveLength(1);
    expect(seen).toContainEqual(
      expect.stringMatching(/^answered \S+ {"action":"accept","content":{"preprints":true}}$/),
    );
  });

  it('should cancel the task when the turn is cancelled', async () => {
    const sessionId = await newSession();
    const turnId = await sendMessage(client, sessionId, '[[tool:research__research {"topic":"storms"}]]');
    await question(turnId);
    const before = linesOf(events).filter((line) => line.startsWith('cancelled')).length;
    expect(await client.socket.emitWithAck('cancel', { session_id: sessionId })).toMatchObject({ cancelled: true });
    expect((await client.recorder.turnEnd(turnId)).data).toMatchObject({ code: 'TURN_CANCELLED' });
    await waitUntil(
      () => linesOf(events).filter((line) => line.startsWith('cancelled')).length > before,
      'the server to see tasks/cancel',
    );
  });

  it('should follow a task over Streamable HTTP through dropped connections and a short outage', async () => {
    const sessionId = await newSession();
    const turnId = await sendMessage(client, sessionId, '[[tool:remote__research {"topic":"reefs"}]]');
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'tool_call' && !!e.data.progress);
    // The network goes away for longer than the poll interval (100 ms): polls fail, and are tried again.
    expect(proxy.outage(1500)).toBeGreaterThan(0);
    const asked = await question(turnId);
    proxy.cut();
    expect(await answer(sessionId, asked.data.elicitation_id)).toMatchObject({ action: 'accept' });
    proxy.cut();
    const end = await client.recorder.turnEnd(turnId);
    expect(end.data).toMatchObject({ content: 'Observed: Research on reefs: 3 sources, preprints included' });
  });
});
