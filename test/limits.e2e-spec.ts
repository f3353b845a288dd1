import { io } from 'socket.io-client';

import { everythingServer } from './fixtures/mcp-servers';
import { connectSocket, connectSse, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { createSession, postJson } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { noMcpServers, startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitUntil } from './helpers/wait';

type Ack = { turn_id: string } | { error: { code: string; message: string } };
const codeOf = (ack: Ack) => ('error' in ack ? ack.error.code : 'ACCEPTED');
const count = (codes: string[]) =>
  codes.reduce<Record<string, number>>((counts, code) => ({ ...counts, [code]: (counts[code] ?? 0) + 1 }), {});

describe('limits that hold under concurrency (e2e)', () => {
  let t: TestApp | undefined;
  const sockets: SocketClient[] = [];

  afterEach(async () => {
    sockets.splice(0).forEach((client) => client.socket.disconnect());
    await t?.close();
    t = undefined;
    await waitForNoChildren();
  });

  const socket = async () => {
    const client = await connectSocket(t!.url);
    sockets.push(client);
    return client;
  };

  it('should admit exactly TURN_QUEUE_LIMIT messages fired at once over both interfaces, and run every one', async () => {
    t = await startApp({ TURN_QUEUE_LIMIT: '10', MCP_CONFIG: noMcpServers() });
    const client = await socket();
    const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const first = (await client.socket.emitWithAck('chat_message', { session_id, content: '[[hold:q]]' })) as Ack;
    await t.llm.held('q');

    const overSocket = Array.from(
      { length: 15 },
      (_, i) => client.socket.emitWithAck('chat_message', { session_id, content: `socket ${i}` }) as Promise<Ack>,
    );
    const overHttp = Array.from({ length: 15 }, (_, i) =>
      postJson(`${t!.url}/api/v3/chat/send`, { session_id, message: `http ${i}` }).then(
        async (response) => (await response.json()) as Ack,
      ),
    );
    const acks = await Promise.all([...overSocket, ...overHttp]);
    expect(count(acks.map(codeOf))).toEqual({ ACCEPTED: 10, SESSION_BUSY: 20 });

    // What was accepted is not lost: every accepted turn runs, in the order it was admitted.
    t.llm.release('q');
    const accepted = [first, ...acks].flatMap((ack) => ('turn_id' in ack ? [ack.turn_id] : []));
    for (const turnId of accepted) {
      expect((await client.recorder.turnEnd(turnId)).type).toBe('final_response');
    }
    const ends = client.recorder.events.filter((e) => e.type === 'final_response').map((e) => e.turn_id);
    expect(ends).toEqual(accepted);
  });

  it('should rate-limit a client address across all its sockets and interfaces', async () => {
    t = await startApp({ RATE_LIMIT_PER_MINUTE: '6', MCP_CONFIG: noMcpServers() });
    const clients = [await socket(), await socket(), await socket()];
    const sessionId = await createSession(t.url);
    const viaSocket = (client: SocketClient) =>
      client.socket.emitWithAck('chat_message', { session_id: sessionId, content: 'hi' }) as Promise<Ack>;
    const viaSend = async () =>
      (await (await postJson(`${t!.url}/api/v3/chat/send`, { session_id: sessionId, message: 'hi' })).json()) as Ack;
    const viaChat = async () => {
      const response = await postJson(`${t!.url}/chat`, { session_id: sessionId, message: 'hi' });
      return response.status === 200 ? { turn_id: 'done' } : ((await response.json()) as Ack);
    };
    const codes: string[] = [];
    for (const attempt of [
      ...clients.map((c) => () => viaSocket(c)),
      viaSend,
      viaChat,
      ...clients.map((c) => () => viaSocket(c)),
      viaSend,
    ]) {
      codes.push(codeOf(await attempt()));
    }
    expect(codes).toEqual([...Array<string>(6).fill('ACCEPTED'), 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    const limited = (await viaSocket(clients[0])) as { error: { message: string } };
    expect(limited.error.message).toMatch(/6 messages per minute per client \(RATE_LIMIT_PER_MINUTE\).*retry in \d+ s/);
  });

  it('should give each forwarded client its own bucket on socket.io too when TRUST_PROXY trusts the proxy', async () => {
    t = await startApp({ RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: 'loopback', MCP_CONFIG: noMcpServers() });
    const sessionId = await createSession(t.url);
    const forwardedFor = async (address: string) => {
      const raw = io(`${t!.url}/chat`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        extraHeaders: { 'x-forwarded-for': address },
      });
      await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
      const acks = [
        codeOf((await raw.emitWithAck('chat_message', { session_id: sessionId, content: 'a' })) as Ack),
        codeOf((await raw.emitWithAck('chat_message', { session_id: sessionId, content: 'b' })) as Ack),
      ];
      raw.disconnect();
      return acks;
    };
    expect(await forwardedFor('203.0.113.1')).toEqual(['ACCEPTED', 'RATE_LIMITED']);
    expect(await forwardedFor('203.0.113.2')).toEqual(['ACCEPTED', 'RATE_LIMITED']);
    expect(await forwardedFor('203.0.113.1')).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('should hold MAX_SESSIONS on every interface that creates a session, under a burst', async () => {
    t = await startApp({ MAX_SESSIONS: '3', MCP_CONFIG: noMcpServers() });
    const burst = await Promise.all(Array.from({ length: 10 }, () => postJson(`${t!.url}/api/v3/sessions`)));
    expect(count(burst.map((response) => String(response.status)))).toEqual({ '201': 3, '503': 7 });
    const refused = (await burst.find((response) => response.status === 503)!.json()) as Ack;
    expect(refused).toEqual({
      error: { code: 'TOO_MANY_SESSIONS', message: expect.stringContaining('3 sessions are live (MAX_SESSIONS)') },
    });

    const client = await socket();
    expect(codeOf((await client.socket.emitWithAck('join_chat', {})) as Ack)).toBe('TOO_MANY_SESSIONS');
    expect((await fetch(`${t.url}/api/v3/chat/stream`)).status).toBe(503);
    expect((await postJson(`${t.url}/chat`, { message: 'new one?' })).status).toBe(503);
    expect(await (await fetch(`${t.url}/sessions`)).json()).toMatchObject({ total: 3 });

    // Ending one makes room again.
    const listed = (await (await fetch(`${t.url}/api/v3/sessions`)).json()) as {
      sessions: Array<{ session_id: string }>;
    };
    const session_id = listed.sessions[0].session_id;
    expect((await fetch(`${t.url}/api/v3/sessions/${session_id}`, { method: 'DELETE' })).status).toBe(204);
    const sse = await connectSse(t.url);
    sse.close();
  });

  it('should let one socket follow at most SOCKET_MAX_SESSIONS sessions, refusing before creating anything', async () => {
    t = await startApp({ SOCKET_MAX_SESSIONS: '2', MCP_CONFIG: noMcpServers() });
    const client = await socket();
    const join = async (payload: object) => (await client.socket.emitWithAck('join_chat', payload)) as Ack;
    const first = (await join({})) as unknown as { session_id: string };
    await join({});
    const refused = await join({});
    expect(refused).toEqual({
      error: { code: 'TOO_MANY_STREAMS', message: expect.stringContaining('2 sessions (SOCKET_MAX_SESSIONS)') },
    });
    const other = await createSession(t.url);
    expect(codeOf((await client.socket.emitWithAck('chat_message', { session_id: other, content: 'hi' })) as Ack)).toBe(
      'TOO_MANY_STREAMS',
    );
    expect(await (await fetch(`${t.url}/sessions`)).json()).toMatchObject({ total: 3 });
    // A session it follows already is fine, and leaving one makes room.
    expect(codeOf(await join({ session_id: first.session_id }))).toBe('ACCEPTED');
    await client.socket.emitWithAck('leave_chat', { session_id: first.session_id });
    expect(codeOf(await join({ session_id: other }))).toBe('ACCEPTED');
  });

  it("should hold each principal's connections to MAX_CONNECTIONS_PER_PRINCIPAL, socket.io and SSE together", async () => {
    const [alice, bob, ops] = ['alice-key-0123456789abcdef', 'bob-key-0123456789abcdef', 'ops-key-0123456789abcdef'];
    t = await startApp({
      AUTH_API_KEYS: `alice:${alice},bob:${bob},ops:${ops}`,
      AUTH_ADMINS: 'key:ops',
      MAX_CONNECTIONS_PER_PRINCIPAL: '3',
      MCP_CONFIG: noMcpServers(),
    });
    const url = t.url;
    const sessionId = await createSession(url, alice);
    const open = async (token: string) => {
      const client = await connectSocket(url, token);
      sockets.push(client);
      return client;
    };
    const first = await open(alice);
    await open(alice);
    const stream = await connectSse(url, sessionId, {}, alice);
    try {
      // A fourth socket, over either transport, and a fourth stream are refused before anything runs.
      for (const transports of [['websocket'], ['polling']]) {
        const refused = await new Promise<Error & { data?: unknown }>((resolve, reject) => {
          const socket = io(`${url}/chat`, { transports, forceNew: true, reconnection: false, auth: { token: alice } });
          socket.once('connect', () => reject(new Error('a fourth connection was accepted')));
          socket.once('connect_error', resolve);
        });
        expect(refused.data).toEqual({
          error: {
            code: 'TOO_MANY_STREAMS',
            message: expect.stringContaining('key:alice holds 3 on this node (MAX_CONNECTIONS_PER_PRINCIPAL)'),
          },
        });
      }
      const response = await fetch(`${url}/api/v3/chat/stream?session_id=${sessionId}`, {
        headers: { authorization: `Bearer ${alice}` },
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'TOO_MANY_STREAMS' } });
      // Another principal has slots of their own.
      await open(bob);
      // One closed makes room, once the server has seen it go.
      first.socket.disconnect();
      const socketCount = async () =>
        (
          (await (await fetch(`${url}/connections`, { headers: { authorization: `Bearer ${ops}` } })).json()) as {
            socketio: number;
          }
        ).socketio;
      await waitUntil(async () => (await socketCount()) === 2, 'the closed socket to be gone');
      await open(alice);
    } finally {
      stream.close();
    }
  });

  it('should page the session list with a cursor, newest first, none twice and none skipped', async () => {
    t = await startApp({ MCP_CONFIG: noMcpServers() });
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      created.push(await createSession(t.url));
    }
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const query = `limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await fetch(`${t.url}/api/v3/sessions?${query}`)).json()) as {
        sessions: Array<{ session_id: string }>;
        next_cursor: string | null;
      };
      expect(page.sessions.length).toBeLessThanOrEqual(3);
      seen.push(...page.sessions.map((session) => session.session_id));
      cursor = page.next_cursor;
      pages++;
      if (pages === 1) {
        // A session created between two pages does not shift the ones after the cursor.
        created.push(await createSession(t.url));
      }
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...created.slice(0, 7)].reverse());

    for (const query of ['limit=0', 'limit=201', 'limit=x', 'cursor=not-a-cursor', 'cursor=e30']) {
      const response = await fetch(`${t.url}/api/v3/sessions?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
    }
  });

  it('should page the MCP server list in the order of the config', async () => {
    const off = { ...everythingServer(), disabled: true };
    t = await startApp({ MCP_CONFIG: writeMcpConfig({ a: off, b: off, c: off }) });
    type ServerPage = { servers: Array<{ name: string }>; processes: object; next_cursor: string | null };
    const first = (await (await fetch(`${t.url}/api/v3/mcp/servers?limit=2`)).json()) as ServerPage;
    expect(first.servers.map((server) => server.name)).toEqual(['a', 'b']);
    expect(first.processes).toEqual({ live: 0, max: 200 });
    const rest = (await (
      await fetch(`${t.url}/api/v3/mcp/servers?limit=2&cursor=${first.next_cursor}`)
    ).json()) as ServerPage;
    expect(rest).toMatchObject({ servers: [{ name: 'c' }], next_cursor: null });
    expect((await fetch(`${t.url}/api/v3/mcp/servers?cursor=bm9wZQ`)).status).toBe(400);
  });

  it("should send a long session's history a page at a time on REST and join_chat", async () => {
    t = await startApp({ MCP_CONFIG: noMcpServers() });
    const client = await socket();
    const { sessionId } = await runSocketTurn(client, 'turn 0');
    for (let i = 1; i < 27; i++) {
      await runSocketTurn(client, `turn ${i}`, sessionId);
    }
    // 27 turns: 54 messages, of which a detail and a join carry the latest 50.
    const detail = (await (await fetch(`${t.url}/api/v3/sessions/${sessionId}`)).json()) as {
      message_count: number;
      messages: Array<{ content: string }>;
      next_before: number | null;
    };
    expect(detail).toMatchObject({ message_count: 54, next_before: 4 });
    expect(detail.messages).toHaveLength(50);
    expect(detail.messages[49]).toEqual({ role: 'assistant', content: 'Echo: turn 26', model: 'scripted' });
    const joined = (await client.socket.emitWithAck('join_chat', { session_id: sessionId })) as typeof detail;
    expect(joined.messages).toEqual(detail.messages);
    expect(joined.next_before).toBe(4);

    const older = (await (await fetch(`${t.url}/api/v3/sessions/${sessionId}/messages?before=4`)).json()) as {
      messages: Array<{ content: string }>;
      next_before: number | null;
    };
    expect(older).toEqual({
      messages: [
        { role: 'user', content: 'turn 0' },
        { role: 'assistant', content: 'Echo: turn 0', model: 'scripted' },
        { role: 'user', content: 'turn 1' },
        { role: 'assistant', content: 'Echo: turn 1', model: 'scripted' },
      ],
      next_before: null,
    });
    const small = (await (await fetch(`${t.url}/api/v3/sessions/${sessionId}/messages?limit=2`)).json()) as {
      next_before: number;
    };
    expect(small.next_before).toBe(52);
    expect((await fetch(`${t.url}/api/v3/sessions/${sessionId}/messages?before=-1`)).status).toBe(400);
    const tooLong = await fetch(`${t.url}/api/v3/sessions/${'x'.repeat(10_000)}`);
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { message: string } }).error.message).toBe(
      'id must be 1 to 128 characters long (it has 10000)',
    );
    expect((await fetch(`${t.url}/api/v3/sessions/ghost/messages`)).status).toBe(404);
  });
});
