import { createSession, postJson } from './helpers/http';
import { waitForNoChildren } from './helpers/processes';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

describe('REST (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren();
  });

  it('should run a whole turn over POST /chat and continue the session', async () => {
    const res = await postJson(`${t.url}/chat`, { message: '[[tool:echo {"message":"rest"}]]' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      session_id: string;
      turn_id: string;
      response: string;
      steps: Array<{ type: string }>;
    };
    expect(body).toMatchObject({
      session_id: expect.any(String),
      turn_id: expect.any(String),
      response: 'Observed: Echo: rest',
    });
    expect(body.steps.map((s) => s.type)).toEqual(['thinking', 'acting', 'tool_call', 'tool_call', 'observing']);

    const next = await postJson(`${t.url}/chat`, { message: '[[recall]]', session_id: body.session_id });
    expect(await next.json()).toMatchObject({ response: 'History: [[tool:echo {"message":"rest"}]] | [[recall]]' });
  });

  it('should answer an LLM failure on POST /chat with 502 and keep the session', async () => {
    const created = { session_id: await createSession(t.url) };
    const failed = await postJson(`${t.url}/chat`, { message: '[[status:503]]', session_id: created.session_id });
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ error: { code: 'LLM_ERROR', message: expect.stringContaining('503') } });
    const ok = await postJson(`${t.url}/chat`, { message: '[[recall]]', session_id: created.session_id });
    // The failed turn's words stay in the history, marked, and the model does not see them.
    expect(await ok.json()).toMatchObject({ response: 'History: [[recall]]' });
    const history = (await (await fetch(`${t.url}/api/v3/sessions/${created.session_id}/messages`)).json()) as {
      messages: unknown[];
    };
    expect(history.messages).toEqual([
      { role: 'user', content: '[[status:503]]', incomplete: 'failed' },
      { role: 'user', content: '[[recall]]' },
      { role: 'assistant', content: 'History: [[recall]]', model: 'scripted' },
    ]);
  });

  it('should create, list, show and delete sessions', async () => {
    const create = await postJson(`${t.url}/api/v3/sessions`);
    expect(create.status).toBe(201);
    const session = (await create.json()) as { session_id: string };
    expect(session).toEqual({
      session_id: expect.any(String),
      owner: 'local',
      status: 'IDLE',
      created_at: expect.any(String),
      last_active_at: expect.any(String),
      turns: 0,
      message_count: 0,
      queued: 0,
      title: null,
      disabled_tools: [],
      node: expect.any(String),
      model: 'scripted',
    });
    await postJson(`${t.url}/chat`, { message: 'remember this', session_id: session.session_id });

    const list = (await (await fetch(`${t.url}/api/v3/sessions`)).json()) as {
      sessions: Array<{ session_id: string }>;
    };
    expect(list.sessions.map((s) => s.session_id)).toContain(session.session_id);
    const detail = await (await fetch(`${t.url}/api/v3/sessions/${session.session_id}`)).json();
    expect(detail).toMatchObject({
      session_id: session.session_id,
      status: 'READY',
      turns: 1,
      message_count: 2,
      title: 'remember this',
      messages: [
        { role: 'user', content: 'remember this' },
        { role: 'assistant', content: 'Echo: remember this', model: 'scripted' },
      ],
      running_turn: null,
      queued_turns: [],
    });

    expect((await fetch(`${t.url}/api/v3/sessions/${session.session_id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await fetch(`${t.url}/api/v3/sessions/${session.session_id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({
      error: { code: 'SESSION_NOT_FOUND', message: expect.stringContaining(session.session_id) },
    });
    expect((await fetch(`${t.url}/api/v3/sessions/${session.session_id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('should report statistics, connections and MCP servers', async () => {
    const stats = (await (await fetch(`${t.url}/sessions`)).json()) as { node: string };
    expect(stats).toEqual({
      node: expect.any(String),
      total: expect.any(Number),
      held: expect.any(Number),
      processing: 0,
      with_mcp_clients: expect.any(Number),
      ttl_ms: 3_600_000,
    });
    expect(await (await fetch(`${t.url}/connections`)).json()).toEqual({
      node: stats.node,
      socketio: 0,
      sse: 0,
      sse_max: 50,
      total: 0,
      cluster: { nodes: 1, socketio: 0, sse: 0, total: 0 },
    });
    const servers = (await (await fetch(`${t.url}/api/v3/mcp/servers`)).json()) as {
      servers: Array<{ name: string; status: string; tools: Array<{ name: string }> }>;
    };
    expect(servers.servers).toHaveLength(1);
    expect(servers.servers[0]).toMatchObject({ name: 'everything', transport: 'stdio', status: 'ready' });
    expect(servers.servers[0].tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    // Titles and the server's hints, for people choosing and approving tools.
    expect(servers.servers[0].tools.find((tool) => tool.name === 'echo')).toEqual({
      name: 'echo',
      description: 'Echoes back the input string',
      title: 'Echo Tool',
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    });
  });

  it('should report health with every indicator', async () => {
    const res = await fetch(`${t.url}/health`);
    expect(res.status).toBe(200);
    const details = {
      node: { status: 'up', accepting_turns: true },
      session_store: { status: 'up', backend: 'memory', sessions: expect.any(Number) },
      llm: {
        status: 'up',
        model: 'scripted',
        endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1$/),
        checked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        models: {
          scripted: {
            status: 'up',
            provider: 'openai',
            endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1$/),
            checked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        },
      },
      event_loop: { status: 'up', delay_p99_ms: expect.any(Number), delay_max_ms: expect.any(Number) },
      mcp: { status: 'up', servers: { everything: 'ready' }, processes: { live: expect.any(Number), max: 200 } },
    };
    expect(await res.json()).toEqual({ status: 'ok', info: details, error: {}, details });
  });

  it('should reject bad bodies with 400 naming the field, and oversized ones with 413', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /message/],
      [{ message: '' }, /message should not be empty/],
      [{ message: 7 }, /message must be a string/],
      [{ message: 'hi', session_id: 5 }, /session_id must be a string/],
      [{ message: 'hi', admin: true }, /property admin should not exist/],
      [{ message: 'x'.repeat(32_001) }, /MAX_MESSAGE_CHARS/],
    ];
    for (const [body, pattern] of cases) {
      const res = await postJson(`${t.url}/chat`, body);
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { error: { code: string; message: string } };
      expect(answer.error.code).toBe('VALIDATION_FAILED');
      expect(answer.error.message).toMatch(pattern);
    }
    const huge = await postJson(`${t.url}/chat`, { message: 'x'.repeat(2_000_000) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const unknown = await postJson(`${t.url}/chat`, { message: 'hi', session_id: 'ghost' });
    expect(unknown.status).toBe(404);
  });

  it('should serve the Swagger UI and a document with every route and event schema', async () => {
    expect((await fetch(`${t.url}/api/docs`)).status).toBe(200);
    const doc = (await (await fetch(`${t.url}/api/docs-json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/chat',
        '/api/v3/chat/stream',
        '/api/v3/chat/send',
        '/api/v3/sessions',
        '/api/v3/sessions/{id}',
        '/sessions',
        '/connections',
        '/health',
        '/api/v3/mcp/servers',
      ]),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'StreamEventDto',
        'ThinkingData',
        'ToolCallData',
        'FinalResponseData',
        'ErrorData',
        'SessionEndData',
      ]),
    );
  });
});

describe('HTTP rate limit behind a proxy (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: 'loopback' });
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren();
  });

  it('should limit each forwarded client on its own', async () => {
    const send = (client: string) =>
      fetch(`${t.url}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ message: 'hi' }),
      });
    expect((await send('203.0.113.1')).status).toBe(200);
    const limited = await send('203.0.113.1');
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.stringContaining('1 messages per minute') },
    });
    expect((await send('203.0.113.2')).status).toBe(200);
  });
});
