import fc from 'fast-check';
import { randomUUID } from 'node:crypto';

import { connectSocket } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer, createSession, postJson } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const KEY = 'alice-key-0123456789abcdef';
const RUNS = 500;
// Node's HTTP parser answers headers past its 16 KB limit itself, before the app sees the request.
const HEADERS_TOO_LARGE = 431;

/** Runs the property; a failure is reported with its counterexample cut short (some are 20,000 characters). */
async function fuzz<T>(property: fc.IAsyncProperty<T>): Promise<void> {
  const outcome = await fc.check(property, { numRuns: RUNS });
  if (outcome.failed) {
    const example = JSON.stringify(outcome.counterexample, (_key, item: unknown) =>
      typeof item === 'string' && item.length > 200 ? `${item.slice(0, 40)}…(${item.length} chars)` : item,
    );
    throw new Error(`${String(outcome.errorInstance)}\ncounterexample: ${example}`);
  }
}

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Property-based fuzzing of every REST route and socket.io event: random, malformed and oversized
 * input never gets a 5xx or an INTERNAL error, never crashes the app, and leaves sessions intact.
 */
describe('fuzzing every interface (e2e)', () => {
  let t: TestApp;
  let sessionId: string;
  let client: SocketClient;

  beforeAll(async () => {
    t = await startApp({ AUTH_API_KEYS: `alice:${KEY}`, MAX_SESSIONS_PER_PRINCIPAL: '10000' });
    sessionId = await createSession(t.url, KEY);
    expect((await postJson(`${t.url}/chat`, { session_id: sessionId, message: 'before' }, KEY)).status).toBe(200);
    client = await connectSocket(t.url, KEY);
  });

  afterAll(async () => {
    client?.socket.disconnect();
    await t.close();
    await waitForNoChildren();
  });

  // Strings as clients get them wrong: empty, long, odd characters, ids that are almost ids.
  const text = () =>
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('', ' ', '..', '../etc/passwd', '%00', '{}', 'null', '__proto__', 'constructor', '\u0000'),
      fc.uuid(),
      fc.constant('x'.repeat(20_000)),
    );
  const id = () => fc.oneof(text(), fc.constant(randomUUID()), fc.constant('SESSION'));
  const value = (): fc.Arbitrary<unknown> =>
    fc.oneof(fc.jsonValue({ maxDepth: 4 }), text(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  // Bodies shaped like the real ones, with any of their fields wrong, missing or extra.
  const body = () =>
    fc.oneof(
      fc.record(
        {
          session_id: id(),
          message: value(),
          content: value(),
          action: fc.oneof(fc.constantFrom('accept', 'decline', 'cancel'), value()),
          approved: value(),
          reason: value(),
          arguments: value(),
          name: value(),
          last_event_id: value(),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 6 }),
      fc.array(fc.jsonValue(), { maxLength: 2000 }),
    );

  /** Every REST route; the real session only where success leaves it as it was. */
  const route = fc.oneof(
    fc.tuple(fc.constant('GET'), fc.constant('/api/v3/sessions/:id'), id()),
    fc.tuple(fc.constant('GET'), fc.constant('/api/v3/sessions/:id/messages'), id()),
    fc.tuple(fc.constant('DELETE'), fc.constant('/api/v3/sessions/:id'), text()),
    fc.tuple(fc.constant('POST'), fc.constant('/api/v3/sessions/:id/cancel'), id()),
    fc.tuple(fc.constant('POST'), fc.constant('/api/v3/sessions/:id/elicitations/:x'), id()),
    fc.tuple(fc.constant('POST'), fc.constant('/api/v3/sessions/:id/approvals/:x'), id()),
    fc.tuple(fc.constant('GET'), fc.constant('/api/v3/sessions/:id/artifacts/:x'), id()),
    fc.tuple(
      fc.constant('POST'),
      fc.constantFrom('/api/v3/sessions/:id/views/:x/open', '/api/v3/sessions/:id/views/:x/tools/call'),
      id(),
    ),
    fc.tuple(fc.constant('GET'), fc.constant('/api/v3/views/:x'), text()),
    fc.tuple(fc.constantFrom('GET', 'POST'), fc.constant('/api/v3/sessions'), id()),
    fc.tuple(fc.constant('POST'), fc.constantFrom('/chat', '/api/v3/chat/send'), id()),
    fc.tuple(fc.constant('GET'), fc.constant('/api/v3/chat/stream'), id()),
    fc.tuple(fc.constant('GET'), fc.constantFrom('/sessions', '/connections', '/api/v3/me', '/health'), id()),
    fc.tuple(fc.constant('GET'), fc.constant('/api/v3/mcp/servers'), id()),
    fc.tuple(
      fc.constant('GET'),
      fc
        .constantFrom('resources', 'resource-templates', 'resources/read', 'prompts')
        .map((leaf) => `/api/v3/mcp/servers/:x/${leaf}`),
      id(),
    ),
    fc.tuple(fc.constant('POST'), fc.constant('/api/v3/mcp/servers/:x/prompts/:x/get'), id()),
  );
  const query = fc.dictionary(
    fc.oneof(
      fc.constantFrom('session_id', 'limit', 'cursor', 'before', 'all', 'uri', 'last_event_id', 'access_token'),
      fc.string(),
    ),
    fc.oneof(id(), fc.integer().map(String)),
    { maxKeys: 4 },
  );
  // Any credential a client can put in a header (fetch refuses control characters before sending).
  const credential = fc.oneof(
    fc.constant(KEY),
    fc.constant(KEY),
    fc.constant(undefined),
    text().map((item) => item.replace(/[^\x21-\x7e]/g, '?')),
  );
  const contentType = fc.constantFrom('application/json', 'application/json', 'text/plain', undefined);

  const call = async (
    method: string,
    path: string,
    params: Record<string, string>,
    payload: unknown,
    token: string | undefined,
    type: string | undefined,
  ): Promise<Answer> => {
    const url = new URL(path, t.url);
    Object.entries(params).forEach(([key, item]) => url.searchParams.append(key, item));
    const response = await fetch(url, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(type ? { 'content-type': type } : {}),
      },
      body: method === 'GET' || method === 'DELETE' || payload === undefined ? undefined : JSON.stringify(payload),
    });
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
      // A stream that opened: enough said; closing it frees its slot.
      await response.body?.cancel();
      return { status: response.status, body: null };
    }
    const raw = await response.text();
    return { status: response.status, body: raw ? (JSON.parse(raw) as unknown) : null };
  };

  it('should answer every REST route, whatever it is sent, below 500 and with an error body naming a code', async () => {
    await fuzz(
      fc.asyncProperty(
        route,
        id(),
        query,
        fc.option(body(), { nil: undefined }),
        credential,
        contentType,
        async ([method, template, pathId], other, params, payload, token, type) => {
          const target = pathId === 'SESSION' && method !== 'DELETE' ? sessionId : pathId;
          const path = template.replace(':id', encodeURIComponent(target)).replaceAll(':x', encodeURIComponent(other));
          const answer = await call(method, path, params, payload, token, type);
          if (answer.status >= 500) {
            throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
          }
          if (answer.status >= 400 && answer.status !== HEADERS_TOO_LARGE) {
            expect(answer.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
          }
        },
      ),
    );
  });

  it('should answer every socket.io event, whatever it is sent, with an ack and never an INTERNAL error', async () => {
    const events = fc.oneof(
      fc.constantFrom('join_chat', 'chat_message', 'leave_chat', 'cancel', 'elicitation_response', 'approval_response'),
      fc.string({ maxLength: 30 }),
    );
    const payload = fc.oneof(
      body(),
      body().map((item) =>
        typeof item === 'object' && item && 'session_id' in item ? { ...item, session_id: sessionId } : item,
      ),
      value(),
    );
    await fuzz(
      fc.asyncProperty(events, payload, async (event, data) => {
        const answer = (await client.socket.timeout(10_000).emitWithAck(event, data)) as unknown;
        expect(answer).toEqual(expect.any(Object));
        const error = (answer as { error?: { code?: unknown } }).error;
        if (error) {
          expect(error).toEqual({ code: expect.any(String), message: expect.any(String) });
          expect(error.code).not.toBe('INTERNAL');
        }
        expect(client.socket.connected).toBe(true);
        // A session joined here leaves again, so SOCKET_MAX_SESSIONS is never what answers.
        const joined = (answer as { session_id?: unknown }).session_id;
        if (event === 'join_chat' && typeof joined === 'string' && joined !== sessionId) {
          await client.socket.emitWithAck('leave_chat', { session_id: joined });
        }
      }),
    );
  });

  it('should leave the existing session intact and usable', async () => {
    const session = await fetch(`${t.url}/api/v3/sessions/${sessionId}`, { headers: bearer(KEY) });
    expect(session.status).toBe(200);
    const detail = (await session.json()) as { messages: { content: string }[]; owner: string };
    expect(detail.owner).toBe('key:alice');
    expect(detail.messages.slice(0, 2).map((message) => message.content)).toEqual(['before', 'Echo: before']);
    const after = await postJson(`${t.url}/chat`, { session_id: sessionId, message: 'after' }, KEY);
    expect(await after.json()).toMatchObject({ session_id: sessionId, response: 'Echo: after' });
  });
});
