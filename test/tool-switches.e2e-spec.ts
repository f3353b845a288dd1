import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StreamEventOf } from '../src/contract/events';
import { everythingServer } from './fixtures/mcp-servers';
import { connectSocket, runSocketTurn, sendMessage, toolCallsOf } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { postJson } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { sentTo } from './helpers/wait';

const PROXY = require.resolve('./fixtures/recording-proxy.cjs');

/** The names of the tools the MCP server was asked to run, as it received them. */
const calledOnServer = (recordFile: string) =>
  sentTo(recordFile)
    .filter((message) => message.method === 'tools/call')
    .map((message) => (message.params as { name: string }).name);

describe('tool switches bind the call (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;
  let dir: string;
  let recordFile: string;
  let sessionId: string;

  const switchOff = async (disabled: string[]) => {
    const res = await fetch(`${t.url}/api/v3/sessions/${sessionId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ disabled_tools: disabled }),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tool-switches-'));
    recordFile = join(dir, 'everything.jsonl');
    const { command, args } = everythingServer();
    t = await startApp({
      MCP_CONFIG: writeMcpConfig({
        // Every call waits for approval: a refused call must not even ask.
        everything: {
          command,
          args: [PROXY, command, ...args],
          env: { RECORD_FILE: recordFile },
          protocol: '2025-11-25',
          require_approval: 'always',
        },
      }),
    });
    client = await connectSocket(t.url);
    sessionId = ((await postJson(`${t.url}/api/v3/sessions`).then((res) => res.json())) as { session_id: string })
      .session_id;
  });

  afterAll(async () => {
    client?.socket.disconnect();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
    await waitForNoChildren();
  });

  it('should refuse a call of a switched-off server or tool, or of an unknown one, with TOOL_NOT_AVAILABLE, and go on', async () => {
    for (const [disabled, tool] of [
      [['everything'], 'echo'],
      [['everything/echo'], 'echo'],
      [[], 'no-such-tool'],
    ] as const) {
      await switchOff([...disabled]);
      const turn = await runSocketTurn(client, `[[tool:${tool} {"message":"hi"}]]`, sessionId);
      const calls = toolCallsOf(client, turn.turnId);
      expect({ disabled, calls: calls.map((event) => event.data) }).toEqual({
        disabled,
        calls: [
          expect.objectContaining({
            tool,
            status: 'failed',
            code: 'TOOL_NOT_AVAILABLE',
            error: expect.stringMatching(/^TOOL_NOT_AVAILABLE: no tool ".+" is offered in this turn/),
          }),
        ],
      });
      const observing = client.recorder.ofTurn(turn.turnId, ['observing'])[0] as StreamEventOf<'observing'>;
      expect(observing.data.observations).toEqual([
        expect.objectContaining({ tool, is_error: true, content: expect.stringMatching(/^TOOL_NOT_AVAILABLE:/) }),
      ]);
      // The turn went on: the model observed the refusal and answered.
      expect(turn.end.type).toBe('final_response');
      expect(client.recorder.ofTurn(turn.turnId, ['approval'])).toEqual([]);
    }
    expect(calledOnServer(recordFile)).toEqual([]);
  });

  it('should run a switched-on tool beside a switched-off one, only the former going to approval and the server', async () => {
    await switchOff(['everything/echo']);
    const turnId = await sendMessage(
      client,
      sessionId,
      '[[tool:echo {"message":"no"}]] [[tool:get-sum {"a":1,"b":2}]]',
    );
    const pending = (await client.recorder.waitFor(
      (event) => event.turn_id === turnId && event.type === 'approval' && event.data.status === 'pending',
    )) as StreamEventOf<'approval'>;
    expect(pending.data.tool).toBe('get-sum');
    await client.socket.emitWithAck('approval_response', {
      session_id: sessionId,
      approval_id: pending.data.approval_id,
      approved: true,
    });
    await client.recorder.turnEnd(turnId);
    const ended = toolCallsOf(client, turnId).filter((event) => event.data.status !== 'running');
    expect(ended.map((event) => [event.data.tool, event.data.status, event.data.code])).toEqual(
      expect.arrayContaining([
        ['echo', 'failed', 'TOOL_NOT_AVAILABLE'],
        ['get-sum', 'succeeded', undefined],
      ]),
    );
    const approvals = client.recorder.ofTurn(turnId, ['approval']) as Array<StreamEventOf<'approval'>>;
    expect(approvals.every((event) => event.data.tool === 'get-sum')).toBe(true);
    expect(calledOnServer(recordFile)).toEqual(['get-sum']);
  });
});
