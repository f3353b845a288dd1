import type { StreamEvent, StreamEventOf } from '../src/contract/events';
import { connectSocket } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { postJson } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdef' };
const notesServer = () => ({
  command: process.execPath,
  args: [require.resolve('./fixtures/notes-server.cjs')],
  require_approval: 'writes',
});

type ApprovalEvent = StreamEventOf<'approval'>;

/** Human in the loop: calls of tools that are not read-only wait for their session's owner. */
describe('tool approval (e2e)', () => {
  let t: TestApp;
  let alice: SocketClient;
  let bob: SocketClient;

  beforeAll(async () => {
    t = await startApp({
      AUTH_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob}`,
      MCP_CONFIG: writeMcpConfig({ notes: notesServer() }),
    });
    alice = await connectSocket(t.url, KEYS.alice);
    bob = await connectSocket(t.url, KEYS.bob);
  });

  afterAll(async () => {
    alice.socket.disconnect();
    bob.socket.disconnect();
    await t.close();
    await waitForNoChildren();
  });

  /** Sends the message in a new session of alice's; resolves once its call asks for approval. */
  const pendingCall = async (content: string) => {
    const { session_id } = (await alice.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const { turn_id } = (await alice.socket.emitWithAck('chat_message', { session_id, content })) as {
      turn_id: string;
    };
    const pending = (await alice.recorder.waitFor(
      (event) => event.turn_id === turn_id && event.type === 'approval' && event.data.status === 'pending',
      'a pending approval',
    )) as ApprovalEvent;
    return { sessionId: session_id, turnId: turn_id, pending };
  };

  const settled = (turnId: string) =>
    alice.recorder.waitFor(
      (event) => event.turn_id === turnId && event.type === 'approval' && event.data.status !== 'pending',
      'the approval settled',
    ) as Promise<ApprovalEvent>;

  const answer = async (via: 'socket' | 'rest', sessionId: string, approvalId: string, approved: boolean) => {
    const body = { approved, reason: approved ? undefined : 'not today' };
    if (via === 'socket') {
      return alice.socket.emitWithAck('approval_response', { session_id: sessionId, approval_id: approvalId, ...body });
    }
    const url = `${t.url}/api/v3/sessions/${sessionId}/approvals/${approvalId}`;
    return (await postJson(url, body, KEYS.alice)).json();
  };

  it.each<['socket' | 'rest', boolean]>([
    ['socket', true],
    ['socket', false],
    ['rest', true],
    ['rest', false],
  ])('should pause a write until the owner answers over %s (approved: %s)', async (via, approved) => {
    const { sessionId, turnId, pending } = await pendingCall('[[tool:write_note {"text":"milk"}]]');
    expect(pending.data).toEqual({
      approval_id: expect.any(String),
      call_id: expect.any(String),
      server: 'notes',
      tool: 'write_note',
      arguments: { text: 'milk' },
      status: 'pending',
      expires_at: expect.any(String),
    });
    const approvalId = pending.data.approval_id;
    // Only the owner answers: to anyone else the session does not exist.
    expect(
      await bob.socket.emitWithAck('approval_response', {
        session_id: sessionId,
        approval_id: approvalId,
        approved: true,
      }),
    ).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
    const byBob = await postJson(
      `${t.url}/api/v3/sessions/${sessionId}/approvals/${approvalId}`,
      { approved: true },
      KEYS.bob,
    );
    expect(byBob.status).toBe(404);

    expect(await answer(via, sessionId, approvalId, approved)).toEqual({
      session_id: sessionId,
      approval_id: approvalId,
      approved,
    });
    expect((await settled(turnId)).data).toMatchObject({
      approval_id: approvalId,
      call_id: pending.data.call_id,
      status: approved ? 'approved' : 'denied',
      ...(approved ? {} : { reason: 'not today' }),
    });
    const end = await alice.recorder.turnEnd(turnId);
    expect(end).toMatchObject({
      type: 'final_response',
      data: {
        content: approved
          ? 'Observed: saved milk'
          : expect.stringMatching(/^Observed: Error: the user declined this tool call: not today/),
      },
    });
    // Answered once: a second answer finds nothing pending.
    expect(await answer(via, sessionId, approvalId, approved)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('should run a tool annotated read-only without asking, under require_approval "writes"', async () => {
    const { session_id } = (await alice.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const { turn_id } = (await alice.socket.emitWithAck('chat_message', {
      session_id,
      content: '[[tool:read_notes {}]]',
    })) as { turn_id: string };
    expect(await alice.recorder.turnEnd(turn_id)).toMatchObject({
      type: 'final_response',
      data: { content: expect.stringMatching(/^Observed: notes: /) },
    });
    expect(alice.recorder.ofTurn(turn_id, ['approval'])).toEqual([]);
  });

  it('should expire a pending approval at once when the turn is cancelled', async () => {
    const { sessionId, turnId, pending } = await pendingCall('[[tool:write_note {"text":"eggs"}]]');
    expect(await postJson(`${t.url}/api/v3/sessions/${sessionId}/cancel`, undefined, KEYS.alice)).toMatchObject({
      status: 200,
    });
    expect((await settled(turnId)).data).toMatchObject({ approval_id: pending.data.approval_id, status: 'expired' });
    expect(await alice.recorder.turnEnd(turnId)).toMatchObject({ type: 'error', data: { code: 'TURN_CANCELLED' } });
    const calls = alice.recorder.ofTurn(turnId, ['tool_call']) as StreamEvent[];
    expect(calls.map((event) => (event as StreamEventOf<'tool_call'>).data.status)).not.toContain('succeeded');
  });
});

describe('tool approval timeout (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;

  beforeAll(async () => {
    t = await startApp({
      APPROVAL_TIMEOUT_MS: '300',
      MCP_CONFIG: writeMcpConfig({ notes: { ...notesServer(), require_approval: undefined } }),
      MCP_APPROVAL_DEFAULT: 'always',
    });
    client = await connectSocket(t.url);
  });

  afterAll(async () => {
    client.socket.disconnect();
    await t.close();
    await waitForNoChildren();
  });

  it('should expire an unanswered approval after APPROVAL_TIMEOUT_MS and tell the model, which goes on', async () => {
    const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
    // MCP_APPROVAL_DEFAULT=always: even the read-only tool asks.
    const { turn_id } = (await client.socket.emitWithAck('chat_message', {
      session_id,
      content: '[[tool:read_notes {}]]',
    })) as { turn_id: string };
    expect(await client.recorder.turnEnd(turn_id)).toMatchObject({
      type: 'final_response',
      data: { content: expect.stringMatching(/^Observed: Error: the user did not approve this tool call in time/) },
    });
    expect(client.recorder.ofTurn(turn_id, ['approval']).map((event) => (event as ApprovalEvent).data.status)).toEqual([
      'pending',
      'expired',
    ]);
  });
});
