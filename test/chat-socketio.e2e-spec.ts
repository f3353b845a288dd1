import type { StreamEvent } from '../src/contract/events';
import { connectSocket } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { createSession } from './helpers/http';
import { mcpProcessIds, waitForExit, waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

interface JoinAck {
  session_id: string;
  status: string;
  messages: Array<{ role: string; content: string }>;
}
type TurnAck = { session_id: string; turn_id: string } | { error: { code: string; message: string } };

const turnIdOf = (ack: TurnAck): string => {
  if ('error' in ack) {
    throw new Error(`message refused: ${ack.error.code} ${ack.error.message}`);
  }
  return ack.turn_id;
};

describe('socket.io /chat (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;

  beforeAll(async () => {
    t = await startApp();
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren();
  });

  beforeEach(async () => {
    client = await connectSocket(t.url);
  });

  afterEach(() => {
    client.socket.disconnect();
  });

  const join = async (sessionId?: string): Promise<JoinAck> =>
    client.socket.emitWithAck('join_chat', sessionId ? { session_id: sessionId } : {});

  const send = async (sessionId: string, content: string): Promise<string> =>
    turnIdOf(await client.socket.emitWithAck('chat_message', { session_id: sessionId, content }));

  it('should stream a tool-using turn as think, act, tool_call, observe, answer', async () => {
    const joined = await join();
    expect(joined).toEqual({
      session_id: expect.any(String),
      status: 'IDLE',
      title: null,
      disabled_tools: [],
      model: 'scripted',
      messages: [],
      next_before: null,
      running_turn: null,
      queued_turns: [],
    });
    const start = await client.recorder.waitFor((e) => e.type === 'session_start', 'session_start');
    expect(start).toMatchObject({ id: 1, session_id: joined.session_id, turn_id: null, data: { status: 'IDLE' } });

    const turnId = await send(joined.session_id, 'Please [[tool:echo {"message":"hi"}]]');
    const end = await client.recorder.turnEnd(turnId);
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'status' && e.data.status === 'READY');

    expect(end.type).toBe('final_response');
    expect(end.data).toEqual({
      content: 'Observed: Echo: hi',
      iterations: 2,
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) },
      max_iterations_reached: false,
      model: 'scripted',
    });
    const steps = client.recorder.ofTurn(turnId).filter((e) => e.type !== 'partial_response');
    expect(steps.map((e) => (e.type === 'status' ? `status:${e.data.status}` : e.type))).toEqual([
      'status:STARTING',
      'status:PROCESSING',
      'thinking',
      'acting',
      'tool_call',
      'tool_call',
      'observing',
      'final_response',
      'status:READY',
    ]);
    const [, , , acting, running, done, observing] = steps;
    expect(acting.data).toEqual({
      iteration: 1,
      tools: [{ call_id: expect.any(String), server: 'everything', tool: 'echo', arguments: { message: 'hi' } }],
    });
    expect(running.data).toMatchObject({
      status: 'running',
      server: 'everything',
      tool: 'echo',
      arguments: { message: 'hi' },
    });
    expect(done.data).toMatchObject({ status: 'succeeded', result: 'Echo: hi', duration_ms: expect.any(Number) });
    expect(observing.data).toEqual({
      iteration: 1,
      observations: [{ call_id: expect.any(String), tool: 'echo', content: 'Echo: hi', is_error: false }],
    });
    const deltas = client.recorder
      .ofTurn(turnId, ['partial_response'])
      .map((e) => (e.type === 'partial_response' ? e.data.delta : ''));
    expect(deltas.join('')).toBe('Observed: Echo: hi');
    const ids = client.recorder.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('should run parallel tool calls and report each', async () => {
    const { session_id } = await join();
    const turnId = await send(session_id, '[[tool:echo {"message":"a"}]] [[tool:get-sum {"a":2,"b":3}]]');
    const end = await client.recorder.turnEnd(turnId);

    expect(end.data).toMatchObject({ content: expect.stringContaining('Echo: a') });
    const observing = client.recorder.ofTurn(turnId, ['observing'])[0];
    expect(observing.type === 'observing' && observing.data.observations.map((o) => o.tool)).toEqual([
      'echo',
      'get-sum',
    ]);
    expect(observing.type === 'observing' && observing.data.observations[1].content).toContain('5');
  });

  it('should let the model observe a failing tool and finish the turn', async () => {
    const { session_id } = await join();
    const turnId = await send(session_id, '[[tool:no-such-tool {"x":1}]]');
    const end = await client.recorder.turnEnd(turnId);

    expect(end.type).toBe('final_response');
    const failed = client.recorder
      .ofTurn(turnId, ['tool_call'])
      .find((e) => e.type === 'tool_call' && e.data.status === 'failed');
    expect(failed?.data).toMatchObject({
      code: 'TOOL_NOT_AVAILABLE',
      error: expect.stringMatching(/^TOOL_NOT_AVAILABLE: no tool "no-such-tool" is offered/),
    });
    expect(end.data).toMatchObject({
      content: expect.stringMatching(/^Observed: TOOL_NOT_AVAILABLE: no tool "no-such-tool"/),
    });
  });

  it('should carry the history of earlier turns to the model', async () => {
    const { session_id } = await join();
    await client.recorder.turnEnd(await send(session_id, 'My name is Ada'));
    await client.recorder.turnEnd(await send(session_id, '[[tool:echo {"message":"x"}]]'));
    const turnId = await send(session_id, '[[recall]]');
    const end = await client.recorder.turnEnd(turnId);

    expect(end.data).toMatchObject({ content: 'History: My name is Ada | [[tool:echo {"message":"x"}]] | [[recall]]' });
    const request = t.llm.requests[t.llm.requests.length - 1];
    expect(request.messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);

    const rejoined = await join(session_id);
    expect(rejoined.messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
      'assistant',
    ]);
  });

  it('should end a turn at the iteration cap with a final_response that says so', async () => {
    const { session_id } = await join();
    const turnId = await send(session_id, '[[loop:echo {"message":"again"}]]');
    const end = await client.recorder.turnEnd(turnId);

    expect(end).toMatchObject({
      type: 'final_response',
      data: { iterations: 5, max_iterations_reached: true, content: expect.stringContaining('REACT_MAX_ITERATIONS') },
    });
    expect(client.recorder.ofTurn(turnId, ['acting'])).toHaveLength(5);
    const followUp = await send(session_id, 'still there?');
    expect((await client.recorder.turnEnd(followUp)).type).toBe('final_response');
  });

  it('should report an LLM failure as an error event and keep the session usable', async () => {
    const { session_id } = await join();
    const failed = await send(session_id, '[[status:500]]');
    const error = await client.recorder.turnEnd(failed);

    expect(error).toMatchObject({ type: 'error', data: { code: 'LLM_ERROR', session_usable: true } });
    expect(error.type === 'error' && error.data.message).toMatch(/openai:scripted.*500/);
    const next = await send(session_id, 'hello again');
    expect(await client.recorder.turnEnd(next)).toMatchObject({
      type: 'final_response',
      data: { content: 'Echo: hello again' },
    });
  });

  it('should queue a message behind the running turn and run it after, in order', async () => {
    const { session_id } = await join();
    const first = await send(session_id, 'slow one [[hold:queue]]');
    await t.llm.held('queue');
    const second = await send(session_id, 'second');

    expect(client.recorder.ofTurn(second)).toEqual([]);
    t.llm.release('queue');
    const secondEnd = await client.recorder.turnEnd(second);

    const order = client.recorder.events.filter((e) => e.turn_id === first || e.turn_id === second);
    const lastOfFirst = order.map((e) => e.turn_id).lastIndexOf(first);
    const firstOfSecond = order.map((e) => e.turn_id).indexOf(second);
    expect(lastOfFirst).toBeLessThan(firstOfSecond);
    expect(secondEnd.data).toMatchObject({ content: 'Echo: second' });
  });

  it('should cancel the running turn and keep the session usable', async () => {
    const { session_id } = await join();
    const turnId = await send(session_id, 'long answer [[hold:cancel]]');
    await t.llm.held('cancel');

    await expect(client.socket.emitWithAck('cancel', { session_id })).resolves.toEqual({ session_id, cancelled: true });
    const end = await client.recorder.turnEnd(turnId);
    expect(end).toMatchObject({ type: 'error', data: { code: 'TURN_CANCELLED', session_usable: true } });
    const next = await send(session_id, 'after cancel');
    expect(await client.recorder.turnEnd(next)).toMatchObject({ type: 'final_response' });
  });

  it('should answer bad payloads with an error ack naming the field', async () => {
    const { session_id } = await join();
    const ask = (event: string, payload: unknown) => client.socket.emitWithAck(event, payload);

    await expect(ask('chat_message', { session_id })).resolves.toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('content') },
    });
    await expect(ask('chat_message', { session_id, content: 42 })).resolves.toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('content must be a string') },
    });
    await expect(ask('chat_message', { session_id, content: 'x'.repeat(32_001) })).resolves.toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('MAX_MESSAGE_CHARS') },
    });
    await expect(ask('chat_message', { session_id, content: 'hi', extra: 1 })).resolves.toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('extra') },
    });
    await expect(ask('chat_message', 'just a string')).resolves.toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    await expect(ask('chat_message', { session_id: 'nope', content: 'hi' })).resolves.toEqual({
      error: { code: 'SESSION_NOT_FOUND', message: expect.stringContaining('nope') },
    });
    await expect(ask('join_chat', { session_id: 'missing' })).resolves.toMatchObject({
      error: { code: 'SESSION_NOT_FOUND' },
    });
    await expect(ask('cancel', {})).resolves.toMatchObject({ error: { code: 'VALIDATION_FAILED' } });

    // The session survived all of it.
    const turnId = await send(session_id, 'still fine');
    expect((await client.recorder.turnEnd(turnId)).type).toBe('final_response');
  });

  it('should replay the events after last_event_id to a socket that rejoins', async () => {
    const { session_id } = await join();
    const start = await client.recorder.waitFor((e) => e.type === 'session_start' && e.session_id === session_id);
    const turnId = await send(session_id, 'before the drop');
    await client.recorder.turnEnd(turnId);
    const ready = await client.recorder.waitFor(
      (e) => e.turn_id === turnId && e.type === 'status' && e.data.status === 'READY',
    );

    const rejoined = await connectSocket(t.url);
    try {
      await rejoined.socket.emitWithAck('join_chat', { session_id, last_event_id: start.id });
      await rejoined.recorder.waitFor((e) => e.id === ready.id, 'the replayed events');
      expect(rejoined.recorder.events).toEqual(
        client.recorder.events.filter((e) => e.session_id === session_id && e.id > start.id),
      );
    } finally {
      rejoined.socket.disconnect();
    }
  });

  it('should stream a whole turn, from its first status, to a client that sends without joining', async () => {
    const turnId = await send(await createSession(t.url), '[[tool:echo {"message":"unjoined"}]]');
    await client.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'status' && e.data.status === 'READY');
    const statuses = client.recorder.ofTurn(turnId, ['status']).map((e) => (e.type === 'status' ? e.data.status : ''));
    expect(statuses).toEqual(['STARTING', 'PROCESSING', 'READY']);
  });

  it('should stop streaming a session after leave_chat', async () => {
    const { session_id } = await join();
    await expect(client.socket.emitWithAck('leave_chat', { session_id })).resolves.toEqual({ session_id, left: true });
    const other = await connectSocket(t.url);
    try {
      await other.socket.emitWithAck('join_chat', { session_id });
      const turnId = turnIdOf(await other.socket.emitWithAck('chat_message', { session_id, content: 'hi' }));
      await other.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'status' && e.data.status === 'READY');
      // The same events go to every follower at once; by now the one that left would have had them.
      expect(client.recorder.ofTurn(turnId)).toEqual([]);
    } finally {
      other.socket.disconnect();
    }
  });

  it('should end a deleted session with session_end and stop its MCP servers', async () => {
    const { session_id } = await join();
    const before = mcpProcessIds();
    await client.recorder.turnEnd(await send(session_id, '[[tool:echo {"message":"up"}]]'));
    const own = mcpProcessIds().filter((pid) => !before.includes(pid));
    expect(own).toHaveLength(1);

    const res = await fetch(`${t.url}/api/v3/sessions/${session_id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    const end: StreamEvent = await client.recorder.waitFor(
      (e) => e.type === 'session_end' && e.session_id === session_id,
    );
    expect(end.data).toEqual({ reason: 'deleted' });
    await waitForExit(own);
    expect((await fetch(`${t.url}/api/v3/sessions/${session_id}`)).status).toBe(404);
  });
});

describe('socket.io limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ TURN_QUEUE_LIMIT: '1', RATE_LIMIT_PER_MINUTE: '4' });
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren();
  });

  it('should refuse a message beyond the queue bound with SESSION_BUSY, then rate-limit the connection', async () => {
    const client = await connectSocket(t.url);
    try {
      const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as JoinAck;
      const ask = (content: string): Promise<TurnAck> =>
        client.socket.emitWithAck('chat_message', { session_id, content });
      const first = turnIdOf(await ask('[[hold:busy]]'));
      await t.llm.held('busy');
      const queued = turnIdOf(await ask('queued'));

      await expect(ask('one too many')).resolves.toEqual({
        error: { code: 'SESSION_BUSY', message: expect.stringContaining('TURN_QUEUE_LIMIT') },
      });
      t.llm.release('busy');
      await client.recorder.turnEnd(first);
      await client.recorder.turnEnd(queued);

      turnIdOf(await ask('fourth'));
      await expect(ask('fifth')).resolves.toEqual({
        error: { code: 'RATE_LIMITED', message: expect.stringContaining('4 messages per minute') },
      });
    } finally {
      client.socket.disconnect();
    }
  });
});
