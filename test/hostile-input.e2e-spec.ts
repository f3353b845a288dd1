import { io } from 'socket.io-client';

import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { createSession, postJson } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

interface ErrorBody {
  error: { code: string; message: string };
}

/** JSON nested `levels` deep: about 14 KB at 2,400 levels, enough to overflow a recursive transformer. */
const nestedObject = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const nestedArray = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
const DEEP = 2_400;

describe('hostile and careless input (e2e)', () => {
  let t: TestApp;
  let client: SocketClient;
  let sessionId: string;

  beforeAll(async () => {
    t = await startApp({ CORS_ORIGINS: 'http://allowed.example' });
    sessionId = await createSession(t.url);
  });

  beforeEach(async () => {
    client = await connectSocket(t.url);
  });

  afterEach(() => {
    client.socket.disconnect();
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren();
  });

  const postRaw = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('should answer deep or wide JSON with 400 naming the bound, on every route that reads a body', async () => {
    const routes = [
      ['/api/v3/chat/send', (value: string) => `{"session_id":"${sessionId}","message":${value}}`],
      ['/chat', (value: string) => `{"message":${value}}`],
      [`/api/v3/sessions/${sessionId}/elicitations/e1`, (value: string) => `{"action":"accept","content":${value}}`],
      ['/api/v3/mcp/servers/everything/prompts/args-prompt/get', (value: string) => `{"arguments":${value}}`],
    ] as const;
    const shapes: Array<[string, RegExp]> = [
      [nestedObject(DEEP), /nested deeper than 32 levels \(JSON_MAX_DEPTH\)/],
      [nestedArray(DEEP), /JSON_MAX_DEPTH/],
      [`{"x":${nestedArray(DEEP)}}`, /JSON_MAX_DEPTH/],
      [`[${'1,'.repeat(5_000)}1]`, /array of 5001 elements; at most 1000 are allowed \(JSON_MAX_ENTRIES\)/],
    ];
    for (const [path, bodyWith] of routes) {
      for (const [value, message] of shapes) {
        const response = await postRaw(path, bodyWith(value));
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expect((await response.json()) as ErrorBody).toEqual({
          error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(message) },
        });
      }
    }
    // An unknown field holding the nesting is refused as well, before anything walks it.
    const extra = await postRaw('/chat', `{"message":"hi","extra":${nestedObject(DEEP)}}`);
    expect(extra.status).toBe(400);

    // Nothing was lost: the session and the server go on.
    const ok = await postJson(`${t.url}/chat`, { message: 'still here', session_id: sessionId });
    expect(await ok.json()).toMatchObject({ response: 'Echo: still here' });
  });

  it('should answer deep or wide socket.io payloads with an error ack, and keep the socket usable', async () => {
    const deep = JSON.parse(nestedObject(DEEP)) as unknown;
    const wide = Array.from({ length: 5_000 }, (_, i) => i);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['join_chat', { session_id: deep }],
      ['chat_message', { session_id: sessionId, content: deep }],
      ['chat_message', { session_id: sessionId, content: 'x', extra: wide }],
      ['cancel', { session_id: deep }],
      ['leave_chat', { session_id: wide }],
      ['elicitation_response', { session_id: sessionId, elicitation_id: 'e1', action: 'accept', content: deep }],
    ];
    for (const [event, payload] of cases) {
      const ack = (await client.socket.emitWithAck(event, payload)) as ErrorBody;
      expect({ event, ack }).toEqual({
        event,
        ack: { error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/JSON_MAX_(DEPTH|ENTRIES)/) } },
      });
    }
    const turn = await runSocketTurn(client, 'after all that', sessionId);
    expect(turn.end).toMatchObject({ type: 'final_response', data: { content: 'Echo: after all that' } });
  });

  it('should answer an event no handler takes with UNKNOWN_EVENT', async () => {
    await expect(client.socket.emitWithAck('chat_mesage', { session_id: sessionId })).resolves.toEqual({
      error: { code: 'UNKNOWN_EVENT', message: expect.stringContaining('Unknown event "chat_mesage"') },
    });
    const ack = (await client.socket.emitWithAck('x'.repeat(10_000))) as ErrorBody;
    expect(ack.error.code).toBe('UNKNOWN_EVENT');
    expect(ack.error.message.length).toBeLessThan(300);
    // An unknown event without an ack is ignored, and the socket goes on.
    client.socket.emit('nothing_here', {});
    await expect(client.socket.emitWithAck('leave_chat', { session_id: sessionId })).resolves.toEqual({
      session_id: sessionId,
      left: false,
    });
  });

  it('should refuse state-changing requests that are not JSON, as a cross-site page would send them', async () => {
    const held = (await client.socket.emitWithAck('chat_message', {
      session_id: sessionId,
      content: '[[hold:csrf]]',
    })) as { turn_id: string };
    await t.llm.held('csrf');
    const attempts: Array<[string, string | undefined, string]> = [
      [`/api/v3/sessions/${sessionId}/cancel`, 'text/plain', ''],
      [`/api/v3/sessions/${sessionId}/cancel`, 'application/x-www-form-urlencoded', 'a=1'],
      [`/api/v3/sessions/${sessionId}/cancel`, undefined, ''],
      ['/chat', 'text/plain', JSON.stringify({ message: 'from afar', session_id: sessionId })],
      ['/api/v3/sessions', 'multipart/form-data; boundary=x', '--x--'],
    ];
    for (const [path, contentType, body] of attempts) {
      const response = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: contentType ? { 'content-type': contentType } : {},
        body,
      });
      expect({ path, contentType, status: response.status }).toEqual({ path, contentType, status: 415 });
      expect((await response.json()) as ErrorBody).toEqual({
        error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('Content-Type: application/json') },
      });
    }
    // None of them ran: the turn is still going, and only the JSON cancel stops it.
    expect(client.recorder.events.some((e) => e.turn_id === held.turn_id && e.type === 'error')).toBe(false);
    const cancel = await postJson(`${t.url}/api/v3/sessions/${sessionId}/cancel`);
    expect(await cancel.json()).toEqual({ session_id: sessionId, cancelled: true });
    const end = await client.recorder.turnEnd(held.turn_id);
    expect(end.data).toMatchObject({ code: 'TURN_CANCELLED' });
    t.llm.release('csrf');
  });

  it('should refuse a socket.io handshake and an SSE stream from a foreign Origin, and take allowed ones', async () => {
    const handshake = (origin: string) =>
      new Promise<string>((resolve) => {
        const socket = io(`${t.url}/chat`, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          extraHeaders: { origin },
        });
        socket.once('connect', () => {
          socket.disconnect();
          resolve('connected');
        });
        socket.once('connect_error', () => {
          socket.disconnect();
          resolve('refused');
        });
      });
    expect(await handshake('https://evil.example')).toBe('refused');
    expect(await handshake('null')).toBe('refused');
    expect(await handshake('http://allowed.example')).toBe('connected');
    expect(await handshake(t.url)).toBe('connected');

    const foreign = await fetch(`${t.url}/api/v3/chat/stream?session_id=${sessionId}`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()) as ErrorBody).toEqual({
      error: { code: 'ORIGIN_NOT_ALLOWED', message: expect.stringContaining('https://evil.example') },
    });
    const own = await fetch(`${t.url}/api/v3/chat/stream?session_id=${sessionId}`, { headers: { origin: t.url } });
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });
});
