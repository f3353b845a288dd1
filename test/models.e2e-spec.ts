import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { everythingServer } from './fixtures/mcp-servers';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer, postJson } from './helpers/http';
import { noMcpServers, startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef01';
const OPS = 'ops-key-0123456789abcdef012';

/**
 * Several models, one per chat: OpenAI-compatible, Anthropic's Messages API and Ollama's /api/chat,
 * all answered by the scripted LLM on its three wires, through the app's real clients.
 */
describe('Models (e2e)', () => {
  let t: TestApp;
  let dir: string;
  const sockets: SocketClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'models-e2e-'));
    const file = join(dir, 'models.json');
    t = await startApp((llm) => {
      writeFileSync(
        file,
        JSON.stringify([
          { id: 'fast', model: 'openai:scripted', label: 'Fast' },
          { id: 'claude', model: 'anthropic:scripted', label: 'Claude', base_url: llm.anthropicUrl },
          { id: 'local', model: 'ollama:scripted', base_url: llm.ollamaUrl },
          { id: 'team', model: 'openai:scripted', principals: ['key:alice'] },
        ]),
      );
      return {
        LLM_MODEL: '',
        LLM_MODELS_FILE: file,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        AUTH_API_KEYS: `alice:${ALICE},bob:${BOB},ops:${OPS}`,
        AUTH_ADMINS: 'key:ops',
        MCP_CONFIG: writeMcpConfig({ everything: { ...everythingServer(), protocol: '2025-11-25' } }),
      };
    });
  });

  afterAll(async () => {
    sockets.forEach((client) => client.socket.disconnect());
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, token: string) => {
    const response = await fetch(`${t.url}${path}`, { headers: bearer(token) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const socketOf = async (token: string) => {
    const client = await connectSocket(t.url, token);
    sockets.push(client);
    return client;
  };
  const created = async (token: string, model?: string) => {
    const response = await postJson(`${t.url}/api/v3/sessions`, model ? { model } : {}, token);
    return { status: response.status, body: (await response.json()) as { session_id: string; model: string } };
  };

  it("should list each caller's models and default, with no endpoint or key", async () => {
    const alice = await get('/api/v3/models', ALICE);
    expect(alice).toEqual({
      status: 200,
      body: {
        models: [
          { id: 'fast', label: 'Fast', provider: 'openai', model: 'scripted', default: true },
          { id: 'claude', label: 'Claude', provider: 'anthropic', model: 'scripted', default: false },
          { id: 'local', label: 'local', provider: 'ollama', model: 'scripted', default: false },
          { id: 'team', label: 'team', provider: 'openai', model: 'scripted', default: false },
        ],
        default: 'fast',
      },
    });
    const bob = await get('/api/v3/models', BOB);
    expect((bob.body.models as Array<{ id: string }>).map((model) => model.id)).toEqual(['fast', 'claude', 'local']);
    expect(JSON.stringify([alice, bob])).not.toMatch(/127\.0\.0\.1|sk-ant|test-key/);
    expect((await get('/api/v3/me', BOB)).body).toMatchObject({ principal: 'key:bob', model: 'fast' });
  });

  it.each([
    ['fast', 'openai'],
    ['claude', 'anthropic'],
    ['local', 'ollama'],
  ])('should run a tool turn on %s (%s wire) and name the model that answered', async (model) => {
    const session = await created(ALICE, model);
    expect(session).toMatchObject({ status: 201, body: { model } });
    const client = await socketOf(ALICE);
    const { end, sessionId } = await runSocketTurn(
      client,
      '[[tool:echo {"message":"wire"}]]',
      session.body.session_id,
    );
    expect(end).toMatchObject({
      type: 'final_response',
      data: { content: 'Observed: Echo: wire', model, iterations: 2 },
    });
    // Two requests, each counted as its provider did: input 10 per message, output one per word or
    // call (the call, then "Observed: ", "Echo: ", "wire"); Anthropic's first-token count not twice.
    const usage = (end.data as unknown as { usage: Record<string, number> }).usage;
    expect(usage.output_tokens).toBe(1 + 3);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    const history = await get(`/api/v3/sessions/${sessionId}/messages`, ALICE);
    const answers = (history.body.messages as Array<{ role: string; model?: string }>).filter(
      (message) => message.role === 'assistant',
    );
    expect(answers.map((message) => message.model)).toEqual([model, model]);
  });

  it("should speak Anthropic's Messages API: its key and version, a top-level system, tool_result after tool_use", async () => {
    const requests = t.llm.wireRequests.filter((request) => request.wire === 'anthropic');
    expect(requests).toHaveLength(2);
    for (const { headers, body } of requests) {
      expect(headers).toMatchObject({ 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' });
      expect(typeof body.system === 'string' || Array.isArray(body.system)).toBe(true);
      expect(body).toMatchObject({ model: 'scripted', stream: true, max_tokens: expect.any(Number) });
    }
    const [, observing] = requests.map((request) => request.body.messages as Array<{ role: string; content: unknown }>);
    const use = (observing.at(-2)?.content as Array<{ type: string; id?: string }>).find((b) => b.type === 'tool_use');
    const result = (observing.at(-1)?.content as Array<{ type: string; tool_use_id?: string }>)[0];
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: use?.id });
  });

  it("should speak Ollama's /api/chat: tools, arguments as objects, tool results", async () => {
    const requests = t.llm.wireRequests.filter((request) => request.wire === 'ollama');
    expect(requests).toHaveLength(2);
    const messages = requests[1].body.messages as Array<{ role: string; tool_calls?: Array<{ function: object }> }>;
    expect(messages.at(-2)?.tool_calls?.[0].function).toMatchObject({
      name: 'echo',
      arguments: { message: 'wire' },
    });
    expect(messages.at(-1)).toMatchObject({ role: 'tool', content: 'Echo: wire' });
    expect((requests[0].body.tools as unknown[]).length).toBeGreaterThan(0);
  });

  it('should switch a chat to another model from its next turn, and refuse an unknown one changing nothing', async () => {
    const { body } = await created(ALICE);
    expect(body.model).toBe('fast');
    const patch = (model: string, token = ALICE) =>
      fetch(`${t.url}/api/v3/sessions/${body.session_id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        body: JSON.stringify({ model }),
      });
    const unknown = await patch('gpt-17');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 'UNKNOWN_MODEL' } });
    expect((await get(`/api/v3/sessions/${body.session_id}`, ALICE)).body.model).toBe('fast');
    // Bob may not reach Alice's chat: it looks like none, whatever the model.
    expect((await patch('claude', BOB)).status).toBe(404);
    const switched = await patch('claude');
    expect(switched.status).toBe(200);
    expect(await switched.json()).toMatchObject({ model: 'claude' });
    const client = await socketOf(ALICE);
    const { end } = await runSocketTurn(client, 'after the switch', body.session_id);
    expect(end).toMatchObject({ type: 'final_response', data: { model: 'claude', content: 'Echo: after the switch' } });
  });

  it("should refuse a model that is not the caller's on every interface, creating nothing", async () => {
    const before = await get('/api/v3/sessions', BOB);
    expect(await created(BOB, 'team')).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_MODEL' } } });
    const chat = await postJson(`${t.url}/chat`, { message: 'hi', model: 'nope' }, BOB);
    expect(chat.status).toBe(400);
    expect(await chat.json()).toMatchObject({
      error: { code: 'UNKNOWN_MODEL', message: expect.stringContaining('"nope"') },
    });
    const client = await socketOf(BOB);
    const ack = await client.socket.emitWithAck('join_chat', { model: 'team' });
    expect(ack).toMatchObject({ error: { code: 'UNKNOWN_MODEL' } });
    const sse = await fetch(`${t.url}/api/v3/chat/stream?model=team`, { headers: bearer(BOB) });
    expect(sse.status).toBe(400);
    await sse.body?.cancel();
    expect((await get('/api/v3/sessions', BOB)).body.sessions).toEqual(before.body.sessions);
    expect(t.llm.requests.filter((request) => JSON.stringify(request).includes('"hi"'))).toEqual([]);
  });

  it("should answer POST /chat with the model's id and the turn's usage, and ack join_chat with the model", async () => {
    const response = await postJson(`${t.url}/chat`, { message: 'hello there', model: 'local' }, ALICE);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      response: 'Echo: hello there',
      model: 'local',
      usage: { input_tokens: 20, output_tokens: 3, total_tokens: 23 },
    });
    const client = await socketOf(ALICE);
    expect(await client.socket.emitWithAck('join_chat', { model: 'team' })).toMatchObject({ model: 'team' });
  });

  it('should probe each endpoint for its model listing and show administrators every model', async () => {
    const health = await get('/health/ready', OPS);
    expect(health.status).toBe(200);
    expect(health.body.details).toMatchObject({ llm: { status: 'up', model: 'fast' } });
    const full = await get('/health', OPS);
    const models = (full.body.details as { llm: { models: Record<string, { status: string; provider: string }> } }).llm
      .models;
    expect(Object.fromEntries(Object.entries(models).map(([id, m]) => [id, [m.status, m.provider]]))).toEqual({
      fast: ['up', 'openai'],
      team: ['up', 'openai'],
      claude: ['up', 'anthropic'],
      local: ['up', 'ollama'],
    });
    expect(JSON.stringify(full.body)).not.toMatch(/sk-ant|test-key/);
    expect(new Set(t.llm.listings)).toEqual(new Set(['/v1/models', '/api/tags']));
    // Everyone else sees the status alone.
    expect((await get('/health', BOB)).body.details).toMatchObject({ llm: { status: 'up' } });
    expect(JSON.stringify((await get('/health', BOB)).body)).not.toContain('claude');
  });
});

describe('Models (e2e): a model whose endpoint is down', () => {
  let t: TestApp;
  let dir: string;

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should stay ready while the default answers, degrade /health, and fail that model turns with LLM_ERROR', async () => {
    dir = mkdtempSync(join(tmpdir(), 'models-down-'));
    const file = join(dir, 'models.json');
    t = await startApp((llm) => {
      writeFileSync(
        file,
        JSON.stringify([
          { id: 'up', model: 'openai:scripted', base_url: `${llm.ollamaUrl}/v1` },
          // Port 9 (discard) refuses connections on loopback.
          { id: 'down', model: 'openai:scripted', base_url: 'http://127.0.0.1:9/v1' },
        ]),
      );
      return { LLM_MODEL: '', LLM_MODELS_FILE: file, MCP_CONFIG: noMcpServers() };
    });
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    const full = (await (await fetch(`${t.url}/health`)).json()) as { details: { llm: { status: string } } };
    expect(full.details.llm.status).toBe('degraded');
    const answer = await postJson(`${t.url}/chat`, { message: 'hi', model: 'down' });
    expect(answer.status).toBe(502);
    expect(await answer.json()).toMatchObject({
      error: { code: 'LLM_ERROR', message: expect.stringContaining('down') },
    });
  });
});
