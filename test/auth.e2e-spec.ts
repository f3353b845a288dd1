import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';

import { connectSocket, connectSse } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer, createSession, postJson } from './helpers/http';
import { AUDIENCE, ISSUER, startIdentityProvider } from './helpers/jwks';
import type { TestIdentityProvider } from './helpers/jwks';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const ALICE_KEY = 'alice-key-0123456789abcdef';
const OPS_KEY = 'ops-key-0123456789abcdef';

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Two principals (an API key and a JWT from a JWKS on loopback) on every interface, and what each
 * may reach; on the memory store and on Redis alike.
 */
describe.each<[string]>([['memory'], ['redis']])('identity and ownership on %s (e2e)', (backend) => {
  let idp: TestIdentityProvider;
  let redis: RedisServer | undefined;
  let t: TestApp;
  let bobToken: string;
  const sockets: SocketClient[] = [];

  beforeAll(async () => {
    idp = await startIdentityProvider();
    redis = backend === 'redis' ? await startRedis() : undefined;
    t = await startApp({
      ...(redis ? { REDIS_URL: redis.url } : {}),
      AUTH_API_KEYS: `alice:${ALICE_KEY},ops:${OPS_KEY}`,
      AUTH_ADMINS: 'key:ops',
      AUTH_JWKS_URL: idp.jwksUrl,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_ADMIN_CLAIM: 'roles=admin',
    });
    bobToken = await idp.sign('bob');
  });

  afterAll(async () => {
    sockets.forEach((client) => client.socket.disconnect());
    await t.close();
    await idp.close();
    await redis?.close();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...bearer(token), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  };

  const socketFor = async (token: string) => {
    const client = await connectSocket(t.url, token);
    sockets.push(client);
    return client;
  };

  /** Why a handshake with this auth was refused. */
  const refusedHandshake = (auth?: Record<string, unknown>) =>
    new Promise<Error & { data?: unknown }>((resolve, reject) => {
      const socket = io(`${t.url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
      socket.once('connect', () => {
        socket.disconnect();
        reject(new Error('the handshake was accepted'));
      });
      socket.once('connect_error', (error) => resolve(error));
    });

  /** Every REST route that names a session, as [method, path, body]. */
  const sessionRoutes = (id: string): [string, string, unknown?][] => [
    ['GET', `/api/v3/sessions/${id}`],
    ['GET', `/api/v3/sessions/${id}/messages`],
    ['POST', `/api/v3/sessions/${id}/cancel`],
    ['POST', `/api/v3/sessions/${id}/elicitations/e1`, { action: 'decline' }],
    ['POST', `/api/v3/sessions/${id}/approvals/a1`, { approved: true }],
    ['GET', `/api/v3/sessions/${id}/artifacts/AAAAAAAAAAAAAAAAAAAAAA`],
    ['POST', `/api/v3/sessions/${id}/views/AAAAAAAAAAAAAAAAAAAAAA/open`, {}],
    ['POST', `/api/v3/sessions/${id}/views/AAAAAAAAAAAAAAAAAAAAAA/tools/call`, { name: 'increment' }],
    ['POST', '/chat', { session_id: id, message: 'hi' }],
    ['POST', '/api/v3/chat/send', { session_id: id, message: 'hi' }],
    ['GET', `/api/v3/chat/stream?session_id=${id}`],
    ['GET', `/api/v3/mcp/servers/everything/resources?session_id=${id}`],
    ['POST', '/api/v3/mcp/servers/everything/prompts/simple-prompt/get', { session_id: id }],
    ['DELETE', `/api/v3/sessions/${id}`],
  ];

  /** Every socket.io event that names a session, as [event, payload]. */
  const sessionEvents = (id: string): [string, object][] => [
    ['join_chat', { session_id: id }],
    ['chat_message', { session_id: id, content: 'hi' }],
    ['cancel', { session_id: id }],
    ['elicitation_response', { session_id: id, elicitation_id: 'e1', action: 'decline' }],
    ['approval_response', { session_id: id, approval_id: 'a1', approved: true }],
  ];

  it('should refuse every route without a credential, or with a bad one, with 401 UNAUTHORIZED', async () => {
    const id = randomUUID();
    const expired = await idp.sign('bob', {}, -600);
    const foreignAudience = await idp.sign('bob', {}, 600, 'someone-else');
    const routes: [string, string, unknown?][] = [
      ...sessionRoutes(id),
      ['GET', '/api/v3/sessions'],
      ['POST', '/api/v3/sessions'],
      ['GET', '/sessions'],
      ['GET', '/connections'],
      ['GET', '/api/v3/mcp/servers'],
    ];
    for (const [method, path, body] of routes) {
      for (const token of [undefined, 'not-a-key', `${ALICE_KEY}x`, expired, foreignAudience]) {
        const answer = await call(method, path, token, body);
        expect({ route: `${method} ${path}`, ...answer }).toMatchObject({
          status: 401,
          body: { error: { code: 'UNAUTHORIZED', message: expect.any(String) } },
        });
      }
    }
    const response = await fetch(`${t.url}/api/v3/sessions`, { headers: bearer(expired) });
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'The token has expired; sign in again' },
    });
    // Swagger, the probes and the way to the page stay open.
    expect((await call('GET', '/health/live')).status).toBe(200);
    const root = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/pmc/']);
    expect((await fetch(`${t.url}/api/docs-json`)).status).toBe(200);
  });

  it('should refuse a socket.io handshake without a valid token with a connect_error saying why', async () => {
    for (const auth of [undefined, { token: 'not-a-key' }, { token: 42 }, { token: await idp.sign('bob', {}, -600) }]) {
      const error = await refusedHandshake(auth);
      expect(error.message).toMatch(/^UNAUTHORIZED: /);
      expect(error.data).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    const alice = await socketFor(ALICE_KEY);
    expect(await alice.socket.emitWithAck('join_chat', {})).toMatchObject({ session_id: expect.any(String) });
  });

  it('should accept the SSE credential as ?access_token= and refuse the stream without one', async () => {
    expect((await call('GET', '/api/v3/chat/stream')).status).toBe(401);
    const sse = await connectSse(`${t.url}`, undefined, {}, bobToken);
    const start = await sse.recorder.waitFor((event) => event.type === 'session_start');
    sse.close();
    const owned = await call('GET', `/api/v3/sessions/${start.session_id}`, bobToken);
    expect(owned).toMatchObject({ status: 200, body: { owner: 'jwt:bob' } });
  });

  it('should answer another principal on every route and event exactly as for a session that does not exist', async () => {
    const id = await createSession(t.url, ALICE_KEY);
    const turn = await postJson(`${t.url}/chat`, { session_id: id, message: 'mine' }, ALICE_KEY);
    expect(turn.status).toBe(200);
    const missing = randomUUID();
    const asIfMissing = (answer: unknown) => JSON.parse(JSON.stringify(answer).replaceAll(id, missing)) as unknown;

    const missingRoutes = sessionRoutes(missing);
    for (const [index, [method, path, body]] of sessionRoutes(id).entries()) {
      const theirs = await call(method, path, bobToken, body);
      const [noneMethod, nonePath, noneBody] = missingRoutes[index];
      const none = await call(noneMethod, nonePath, bobToken, noneBody);
      expect({ route: `${method} ${path}`, ...(asIfMissing(theirs) as Answer) }).toEqual({
        route: `${method} ${path}`,
        ...none,
      });
      expect(none.status).toBe(404);
    }
    const bob = await socketFor(bobToken);
    for (const [index, [event, payload]] of sessionEvents(id).entries()) {
      const theirs = await bob.socket.emitWithAck(event, payload);
      const none = await bob.socket.emitWithAck(...sessionEvents(missing)[index]);
      expect({ event, answer: asIfMissing(theirs) }).toEqual({ event, answer: none });
      expect(none).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
    }
    // Nothing reached it: its history is what its owner left, and no events of another's leaked.
    expect(bob.recorder.events.filter((event) => event.session_id === id)).toEqual([]);
    expect(await call('GET', `/api/v3/sessions/${id}`, ALICE_KEY)).toMatchObject({
      status: 200,
      body: { session_id: id, owner: 'key:alice', message_count: 2, turns: 1 },
    });
  });

  it("should list only the caller's sessions, and everyone's for an administrator who asks", async () => {
    const mine = await createSession(t.url, ALICE_KEY);
    const bobs = await createSession(t.url, bobToken);
    const ids = (answer: Answer) =>
      (answer.body as { sessions: { session_id: string }[] }).sessions.map((s) => s.session_id);

    const alices = await call('GET', '/api/v3/sessions?limit=200', ALICE_KEY);
    expect(ids(alices)).toContain(mine);
    expect(ids(alices)).not.toContain(bobs);
    expect((alices.body as { sessions: { owner: string }[] }).sessions.every((s) => s.owner === 'key:alice')).toBe(
      true,
    );
    expect(await call('GET', '/api/v3/sessions?all=true', ALICE_KEY)).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    const carol = await idp.sign('carol', { roles: ['staff', 'admin'] });
    for (const admin of [OPS_KEY, carol]) {
      const all = await call('GET', '/api/v3/sessions?all=true&limit=200', admin);
      expect(ids(all)).toEqual(expect.arrayContaining([mine, bobs]));
    }
    // An administrator reads and ends someone's session, but does not speak in it.
    expect((await call('GET', `/api/v3/sessions/${bobs}`, OPS_KEY)).status).toBe(200);
    expect((await call('POST', '/api/v3/chat/send', OPS_KEY, { session_id: bobs, message: 'hi' })).status).toBe(404);
    expect((await call('DELETE', `/api/v3/sessions/${bobs}`, OPS_KEY)).status).toBe(204);
    expect((await call('GET', `/api/v3/sessions/${bobs}`, bobToken)).status).toBe(404);
  });

  it('should show health details to administrators only, and document the bearer scheme', async () => {
    const open = await call('GET', '/health');
    const up = { status: 'up' };
    const indicators = {
      node: up,
      ...(redis ? { redis: up } : {}),
      session_store: up,
      llm: up,
      event_loop: up,
      mcp: up,
    };
    expect(open).toEqual({ status: 200, body: { status: 'ok', info: indicators, error: {}, details: indicators } });
    expect(await call('GET', '/health', bobToken)).toEqual(open);
    const detailed = await call('GET', '/health', OPS_KEY);
    expect(detailed.body).toMatchObject({ details: { llm: { status: 'up', model: 'scripted' } } });

    const document = (await (await fetch(`${t.url}/api/docs-json`)).json()) as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(document.paths['/api/v3/sessions'].get.security).toEqual([{ bearer: [] }]);
  });

  it('should disconnect a socket when its token expires', async () => {
    const client = await socketFor(await idp.sign('bob', {}, 2));
    await new Promise<void>((resolve) => client.socket.once('disconnect', () => resolve()));
    expect(client.socket.connected).toBe(false);
  });
});

describe('HEALTH_PUBLIC=false (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ AUTH_API_KEYS: `alice:${ALICE_KEY}`, HEALTH_PUBLIC: 'false' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should ask for a credential on /health, and keep /health/live open for probes', async () => {
    const anonymous = await fetch(`${t.url}/health`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await fetch(`${t.url}/health`, { headers: bearer(ALICE_KEY) })).status).toBe(200);
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
  });
});
