import { connectSocket, connectSse } from './helpers/events';
import type { SseClient } from './helpers/events';
import { postJson } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

describe('SSE /api/v3/chat (e2e)', () => {
  let t: TestApp;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    t = await startApp({ HEARTBEAT_MS: '200', SSE_MAX_CONNECTIONS: '3' });
  });

  const sseCount = async () => ((await (await fetch(`${t.url}/connections`)).json()) as { sse: number }).sse;

  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    // The server frees a slot when it sees the close; each test starts with every slot free.
    while ((await sseCount()) > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren();
  });

  const open = async (sessionId?: string, headers?: Record<string, string>) => {
    const client = await connectSse(t.url, sessionId, headers);
    clients.push(client);
    return client;
  };

  const sendTurn = async (sessionId: string, message: string): Promise<string> => {
    const res = await postJson(`${t.url}/api/v3/chat/send`, { session_id: sessionId, message });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { session_id: string; turn_id: string };
    expect(body).toEqual({ session_id: sessionId, turn_id: expect.any(String) });
    return body.turn_id;
  };

  it('should start a new session with session_start first and stream a tool turn', async () => {
    const client = await open();
    const start = await client.recorder.waitFor((e) => e.type === 'session_start');
    expect(client.recorder.events[0]).toBe(start);
    expect(start).toMatchObject({ id: 1, turn_id: null, data: { status: 'IDLE' } });

    const turnId = await sendTurn(start.session_id, '[[tool:echo {"message":"sse"}]]');
    const end = await client.recorder.turnEnd(turnId);

    expect(end).toMatchObject({ type: 'final_response', data: { content: 'Observed: Echo: sse' } });
    const types = client.recorder.ofTurn(turnId, ['thinking', 'acting', 'tool_call', 'observing', 'final_response']);
    expect(types.map((e) => e.type)).toEqual([
      'thinking',
      'acting',
      'tool_call',
      'tool_call',
      'observing',
      'final_response',
    ]);
  });

  it('should show a socket.io client and an SSE client the same events in the same order', async () => {
    const socket = await connectSocket(t.url);
    try {
      const { session_id } = (await socket.socket.emitWithAck('join_chat', {})) as { session_id: string };
      const sse = await open(session_id);
      await sse.recorder.waitFor((e) => e.type === 'session_start');

      const turnId = await sendTurn(session_id, '[[tool:echo {"message":"both"}]] [[tool:get-sum {"a":1,"b":1}]]');
      await sse.recorder.turnEnd(turnId);
      await socket.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'status' && e.data.status === 'READY');
      await sse.recorder.waitFor((e) => e.turn_id === turnId && e.type === 'status' && e.data.status === 'READY');

      const key = (events: typeof sse.recorder.events) =>
        events.map((e) => `${e.id}:${e.type}:${JSON.stringify(e.data)}`);
      expect(key(sse.recorder.events)).toEqual(key(socket.recorder.events));
      expect(sse.recorder.ofTurn(turnId).length).toBeGreaterThan(8);
    } finally {
      socket.socket.disconnect();
    }
  });

  it('should send heartbeats on both transports', async () => {
    const sse = await open();
    const socket = await connectSocket(t.url);
    try {
      await Promise.all([
        new Promise((resolve) => sse.source.addEventListener('heartbeat', resolve, { once: true })),
        new Promise((resolve) => socket.socket.once('heartbeat', resolve)),
      ]);
      expect(sse.heartbeats + socket.heartbeats).toBeGreaterThanOrEqual(2);
    } finally {
      socket.socket.disconnect();
    }
  });

  it('should replay the events after Last-Event-ID', async () => {
    const first = await open();
    const start = await first.recorder.waitFor((e) => e.type === 'session_start');
    const turnId = await sendTurn(start.session_id, 'replay me');
    await first.recorder.turnEnd(turnId);
    const ready = await first.recorder.waitFor(
      (e) => e.turn_id === turnId && e.type === 'status' && e.data.status === 'READY',
    );
    first.close();

    const resumed = await open(start.session_id, { 'last-event-id': String(start.id) });
    await resumed.recorder.waitFor((e) => e.id === ready.id, 'the replayed events');
    expect(resumed.recorder.events).toEqual(first.recorder.events.filter((e) => e.id > start.id));

    // Nothing new happens: the heartbeats must keep the resume point, not reset it.
    const quiet = await open(start.session_id, { 'last-event-id': String(ready.id) });
    const beat = await new Promise<MessageEvent>((resolve) =>
      quiet.source.addEventListener('heartbeat', (message) => resolve(message), { once: true }),
    );
    expect(beat.lastEventId).toBe(String(ready.id));
    expect(quiet.recorder.events).toEqual([]);
  });

  it('should refuse a stream beyond SSE_MAX_CONNECTIONS with 503 and take one again once a slot is free', async () => {
    await Promise.all([open(), open(), open()]);
    const refused = await fetch(`${t.url}/api/v3/chat/stream`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      error: { code: 'TOO_MANY_STREAMS', message: expect.stringContaining('SSE_MAX_CONNECTIONS') },
    });

    clients.pop()?.close();
    while ((await sseCount()) > 2) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const again = await open();
    expect(again.source.readyState).toBe(again.source.OPEN);
  });

  it('should answer bad input with 400 or 404 naming what is wrong', async () => {
    const client = await open();
    const { session_id } = await client.recorder.waitFor((e) => e.type === 'session_start');

    const missing = await postJson(`${t.url}/api/v3/chat/send`, { session_id });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('message') },
    });

    const unknown = await postJson(`${t.url}/api/v3/chat/send`, { session_id: 'nope', message: 'hi' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { code: 'SESSION_NOT_FOUND', message: expect.stringContaining('nope') },
    });

    const stream = await fetch(`${t.url}/api/v3/chat/stream?session_id=nope`);
    expect(stream.status).toBe(404);
    expect(await stream.json()).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });

    const malformed = await fetch(`${t.url}/api/v3/chat/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"session_id": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });

    const turnId = await sendTurn(session_id, 'fine after all that');
    expect((await client.recorder.turnEnd(turnId)).type).toBe('final_response');
  });
});
