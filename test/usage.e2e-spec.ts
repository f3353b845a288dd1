import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ScriptedLlm } from './fixtures/scripted-llm';
import { clusterNodeEnv, startNodes } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { connectSocket } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer, createSession, postJson } from './helpers/http';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';
import { noMcpServers, startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const KEYS = { alice: 'alice-key-0123456789abcd', bob: 'bob-key-0123456789abcdef', ops: 'ops-key-0123456789abcdef' };
const CAROL = 'carol-key-0123456789abcd';
const DAVE = 'dave-key-0123456789abcde';

interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

const today = () => new Date().toISOString().slice(0, 10);
const nextMidnight = () => new Date(Date.parse(`${today()}T00:00:00Z`) + 86_400_000).toISOString();

/** One turn over POST /chat: its answer, with the usage its final_response carried. */
async function chat(url: string, token: string, body: Record<string, unknown>) {
  const response = await postJson(`${url}/chat`, body, token);
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { model: string; usage: Usage; error?: { code: string; message: string } },
  };
}

async function usageOf(url: string, token: string, query = '') {
  const response = await fetch(`${url}/api/v3/usage${query}`, { headers: bearer(token) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const sum = (usages: Usage[]) =>
  usages.reduce<Usage & { turns: number }>(
    (total, usage) => ({
      input_tokens: total.input_tokens + usage.input_tokens,
      output_tokens: total.output_tokens + usage.output_tokens,
      total_tokens: total.total_tokens + usage.input_tokens + usage.output_tokens,
      turns: total.turns + 1,
    }),
    { input_tokens: 0, output_tokens: 0, total_tokens: 0, turns: 0 },
  );

describe('Usage and quotas (e2e)', () => {
  let t: TestApp;
  const sockets: SocketClient[] = [];
  const answered: Record<string, Usage[]> = { fast: [], slow: [] };

  beforeAll(async () => {
    t = await startApp({
      LLM_MODEL: '',
      LLM_MODELS: 'fast=openai:scripted,slow=openai:scripted',
      AUTH_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob},ops:${KEYS.ops},carol:${CAROL},dave:${DAVE}`,
      AUTH_ADMINS: 'key:ops',
      QUOTA_OVERRIDES: 'key:carol:30,key:dave:21',
      MCP_CONFIG: noMcpServers(),
    });
    for (const [model, message] of [
      ['fast', 'one'],
      ['fast', 'two words'],
      ['slow', 'three'],
    ]) {
      const turn = await chat(t.url, KEYS.alice, { message, model });
      expect(turn).toMatchObject({ status: 200, body: { model } });
      answered[model].push(turn.body.usage);
    }
    await chat(t.url, KEYS.bob, { message: 'bob here' });
  });

  afterAll(async () => {
    sockets.forEach((client) => client.socket.disconnect());
    await t?.close();
  });

  it("should sum each model's turns as their final_response counted them, for the caller alone", async () => {
    const report = await usageOf(t.url, KEYS.alice);
    expect(report.status).toBe(200);
    expect(report.body).toEqual({
      principal: 'key:alice',
      from: new Date(Date.parse(`${today()}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10),
      to: today(),
      total: sum([...answered.fast, ...answered.slow]),
      groups: [
        { model: 'fast', ...sum(answered.fast) },
        { model: 'slow', ...sum(answered.slow) },
      ],
      quota: {
        tokens_per_day: null,
        used_today: sum([...answered.fast, ...answered.slow]).total_tokens,
        resets_at: nextMidnight(),
      },
      next_cursor: null,
    });
    expect(JSON.stringify(report.body)).not.toContain('bob');
    const byDay = await usageOf(t.url, KEYS.alice, `?group_by=day,model&from=${today()}&to=${today()}`);
    expect(byDay.body.groups).toEqual([
      { day: today(), model: 'fast', ...sum(answered.fast) },
      { day: today(), model: 'slow', ...sum(answered.slow) },
    ]);
  });

  it('should page the groups with a cursor', async () => {
    const first = await usageOf(t.url, KEYS.alice, '?limit=1');
    expect(first.body.groups).toEqual([{ model: 'fast', ...sum(answered.fast) }]);
    const second = await usageOf(t.url, KEYS.alice, `?limit=1&cursor=${String(first.body.next_cursor)}`);
    expect(second.body).toMatchObject({ groups: [{ model: 'slow', ...sum(answered.slow) }], next_cursor: null });
    expect(second.body.total).toEqual(first.body.total);
  });

  it("should show administrators everyone's usage by principal, and refuse all=true to others", async () => {
    expect(await usageOf(t.url, KEYS.bob, '?all=true')).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    const all = await usageOf(t.url, KEYS.ops, '?all=true');
    expect(
      (all.body.groups as Array<{ principal: string; model: string; turns: number }>).map((g) => [
        g.principal,
        g.model,
        g.turns,
      ]),
    ).toEqual([
      ['key:alice', 'fast', 2],
      ['key:alice', 'slow', 1],
      ['key:bob', 'fast', 1],
    ]);
  });

  it.each([
    ['?from=2026-13-01', /from must be a UTC date/],
    ['?from=2026-02-30', /from must be a UTC date/],
    ['?from=2024-01-01&to=2026-01-01', /at most 366/],
    ['?from=2026-12-08&to=2026-12-01', /after to/],
    ['?group_by=model,colour', /group_by takes/],
    ['?cursor=bm90LWEtY3Vyc29y', /cursor/],
    ['?all=maybe', /all/],
  ])('should refuse %s with 400 naming the problem', async (query, message) => {
    const answer = await usageOf(t.url, KEYS.alice, query);
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect((answer.body.error as { message: string }).message).toMatch(message);
  });

  it('should refuse a message over the quota on every interface before anything runs or is created', async () => {
    // Carol may use 30 tokens a day: her first turn (22) runs, the second starts under it too.
    expect((await chat(t.url, CAROL, { message: 'hello' })).status).toBe(200);
    const sessionId = await createSession(t.url, CAROL);
    expect((await chat(t.url, CAROL, { message: 'again', session_id: sessionId })).status).toBe(200);
    const requests = t.llm.requests.length;
    const sessions = await fetch(`${t.url}/api/v3/sessions`, { headers: bearer(CAROL) }).then((r) => r.json());

    const refused = await chat(t.url, CAROL, { message: 'over' });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'QUOTA_EXCEEDED' } } });
    expect(refused.body.error?.message).toContain(nextMidnight());
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(86_400);
    const send = await postJson(`${t.url}/api/v3/chat/send`, { session_id: sessionId, message: 'over' }, CAROL);
    expect(send.status).toBe(429);
    expect(send.headers.get('retry-after')).not.toBeNull();
    expect(await send.json()).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
    const client = await connectSocket(t.url, CAROL);
    sockets.push(client);
    await client.socket.emitWithAck('join_chat', { session_id: sessionId });
    const ack = await client.socket.emitWithAck('chat_message', { session_id: sessionId, content: 'over' });
    expect(ack).toMatchObject({ error: { code: 'QUOTA_EXCEEDED', message: expect.stringContaining(nextMidnight()) } });

    expect(t.llm.requests.length).toBe(requests);
    expect(await fetch(`${t.url}/api/v3/sessions`, { headers: bearer(CAROL) }).then((r) => r.json())).toEqual(sessions);
    const me = await fetch(`${t.url}/api/v3/me`, { headers: bearer(CAROL) }).then((r) => r.json());
    expect(me).toMatchObject({ quota: { tokens_per_day: 30, used_today: 44, resets_at: nextMidnight() } });
    // Others are not concerned.
    expect((await chat(t.url, KEYS.bob, { message: 'still fine' })).status).toBe(200);
  });

  it('should end a queued turn that would start over the quota with QUOTA_EXCEEDED, the running one finishing', async () => {
    // Dave may use 21: both messages are accepted at 0, the first turn spends 23.
    const client = await connectSocket(t.url, DAVE);
    sockets.push(client);
    const { session_id } = (await client.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const first = (await client.socket.emitWithAck('chat_message', { session_id, content: '[[hold:quota]] x' })) as {
      turn_id: string;
    };
    await t.llm.held('quota');
    const second = (await client.socket.emitWithAck('chat_message', { session_id, content: 'queued' })) as {
      turn_id: string;
    };
    t.llm.release('quota');
    expect(await client.recorder.turnEnd(first.turn_id)).toMatchObject({ type: 'final_response' });
    expect(await client.recorder.turnEnd(second.turn_id)).toMatchObject({
      type: 'error',
      data: { code: 'QUOTA_EXCEEDED', session_usable: true },
    });
    expect(t.llm.userMessages(t.llm.requests.length - 1)).not.toContain('queued');
  });
});

describe('Usage and quotas on two nodes sharing a Redis (e2e)', () => {
  let redis: RedisServer;
  let llm: ScriptedLlm;
  let dir: string;
  let nodes: AppNode[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    llm = new ScriptedLlm();
    const llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'usage-nodes-'));
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: {} }));
    const env = (node: string) => ({
      ...clusterNodeEnv(node, redis.url, llmUrl, join(dir, 'mcp.json')),
      AUTH_API_KEYS: `alice:${KEYS.alice},carol:${CAROL}`,
      QUOTA_OVERRIDES: 'key:carol:50',
    });
    nodes = await startNodes(env('node-a'), env('node-b'));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await llm?.stop();
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should add up concurrent turns on both nodes exactly, and share a quota between them', async () => {
    const turns = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        chat(nodes[i % 2].url, KEYS.alice, { message: `turn ${i} ${'w '.repeat(i)}` }),
      ),
    );
    expect(turns.every((turn) => turn.status === 200)).toBe(true);
    const expected = sum(turns.map((turn) => turn.body.usage));
    for (const node of nodes) {
      expect((await usageOf(node.url, KEYS.alice)).body).toMatchObject({
        total: expected,
        groups: [{ model: 'scripted', ...expected }],
      });
    }
    // Carol's 50 tokens: two turns of 22 on A, then B refuses what would start over it.
    expect((await chat(nodes[0].url, CAROL, { message: 'one' })).status).toBe(200);
    expect((await chat(nodes[0].url, CAROL, { message: 'two' })).status).toBe(200);
    expect((await chat(nodes[1].url, CAROL, { message: 'three' })).status).toBe(200);
    const refused = await chat(nodes[1].url, CAROL, { message: 'four' });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'QUOTA_EXCEEDED' } } });
    const me = await fetch(`${nodes[0].url}/api/v3/me`, { headers: bearer(CAROL) }).then((r) => r.json());
    expect(me).toMatchObject({ quota: { tokens_per_day: 50, used_today: 66 } });
  });
});
