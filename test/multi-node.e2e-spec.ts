import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StreamEvent } from '../src/contract/events';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { clusterNodeEnv, startNode, startNodes } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { connectSocket, connectSse } from './helpers/events';
import type { SocketClient, SseClient } from './helpers/events';
import { createSession, postJson } from './helpers/http';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';
import { waitUntil } from './helpers/wait';

const LEASE_MS = 2000;
const ids = (events: StreamEvent[]) => events.map((event) => event.id);
const consecutive = (list: number[]) => list.every((id, i) => i === 0 || id === list[i - 1] + 1);

async function chat(node: AppNode, sessionId: string, message: string) {
  const response = await postJson(`${node.url}/chat`, { session_id: sessionId, message });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function send(node: AppNode, sessionId: string, message: string): Promise<string> {
  const response = await postJson(`${node.url}/api/v3/chat/send`, { session_id: sessionId, message });
  const body = (await response.json()) as { turn_id: string };
  expect(response.status).toBe(202);
  return body.turn_id;
}

/** Polls a condition (each poll is cheap and immediate), failing after the deadline. */
/** Polls until the node's /health answers the status (no fixed sleeps: each poll is one request). */
async function healthBecomes(node: AppNode, status: number, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${node.url}/health`);
    const body = (await response.json()) as Record<string, unknown>;
    if (response.status === status) {
      return body;
    }
    if (Date.now() > deadline) {
      throw new Error(`/health stayed ${response.status}: ${JSON.stringify(body)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Two nodes on one Redis (e2e)', () => {
  let redis: RedisServer;
  let llm: ScriptedLlm;
  let dir: string;
  let a: AppNode;
  let b: AppNode;
  const clients: Array<SocketClient | SseClient> = [];

  const env = (node: string, extra: Record<string, string> = {}) => ({
    ...clusterNodeEnv(node, redis.url, llmUrl, join(dir, 'mcp.json')),
    TURN_LEASE_MS: String(LEASE_MS),
    ...extra,
  });
  let llmUrl: string;

  const socket = async (node: AppNode) => {
    const client = await connectSocket(node.url);
    clients.push(client);
    return client;
  };
  const sse = async (node: AppNode, sessionId: string, lastEventId?: number) => {
    const client = await connectSse(
      node.url,
      sessionId,
      lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) },
    );
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    redis = await startRedis();
    llm = new ScriptedLlm();
    llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'mcp-host-nodes-'));
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: {} }));
    [a, b] = await startNodes(env('node-a'), env('node-b'));
  }, 120_000);

  afterEach(() => {
    for (const client of clients.splice(0)) {
      if ('socket' in client) {
        client.socket.disconnect();
      } else {
        client.close();
      }
    }
  });

  afterAll(async () => {
    await Promise.all([a, b].map((node) => node?.kill()));
    await redis?.close();
    await llm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should deliver a turn POSTed to one node to clients on both, with the same ids in the same order', async () => {
    const onA = await socket(a);
    const joined = (await onA.socket.emitWithAck('join_chat', {})) as { session_id: string };
    const sessionId = joined.session_id;
    const onB = await sse(b, sessionId);

    const answer = await chat(b, sessionId, 'across nodes');
    expect(answer).toMatchObject({ status: 200, body: { response: 'Echo: across nodes', session_id: sessionId } });
    const turnId = answer.body.turn_id as string;
    const [endA, endB] = await Promise.all([onA.recorder.turnEnd(turnId), onB.recorder.turnEnd(turnId)]);
    expect(endA).toEqual(endB);
    const last = endA.id;
    const seenA = onA.recorder.events.filter((event) => event.id <= last);
    const seenB = onB.recorder.events.filter((event) => event.id <= last);
    expect(seenB).toEqual(seenA);
    expect(ids(seenA)).toEqual(Array.from({ length: last }, (_, i) => i + 1));

    const listed = (await (await fetch(`${b.url}/api/v3/sessions`)).json()) as Record<string, unknown>;
    expect(listed).toMatchObject({ node: 'node-b', total: expect.any(Number) });
    const detail = (await (await fetch(`${b.url}/api/v3/sessions/${sessionId}`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ node: 'node-a', turns: 1, message_count: 2 });
    const connections = (await (await fetch(`${b.url}/connections`)).json()) as Record<string, unknown>;
    expect(connections).toMatchObject({ node: 'node-b', sse: 1, cluster: { nodes: 2 } });
  });

  it('should cancel from one node a turn running on the other', async () => {
    const sessionId = await createSession(a.url);
    const watcher = await sse(b, sessionId);
    const turnId = await send(b, sessionId, '[[hold:cross-cancel]]');
    await llm.held('cross-cancel');
    const cancelled = await postJson(`${b.url}/api/v3/sessions/${sessionId}/cancel`);
    expect(await cancelled.json()).toEqual({ session_id: sessionId, cancelled: true });
    expect(await watcher.recorder.turnEnd(turnId)).toMatchObject({ type: 'error', data: { code: 'TURN_CANCELLED' } });
    llm.release('cross-cancel');
  });

  it('should take a session over when its node dies mid-turn: TURN_INTERRUPTED, then the queued message, no gap', async () => {
    const sessionId = await createSession(b.url);
    const first = await sse(b, sessionId);
    const held = await send(b, sessionId, '[[hold:failover]]');
    const queued = await send(a, sessionId, 'after failover');
    await llm.held('failover');
    await first.recorder.waitFor((event) => event.type === 'partial_response', 'the held turn streaming');
    await b.kill();
    first.close();
    const lastSeen = first.recorder.events.at(-1)?.id ?? 0;

    const resumed = await sse(a, sessionId, lastSeen);
    expect(await resumed.recorder.turnEnd(held, 30_000)).toMatchObject({
      type: 'error',
      data: { code: 'TURN_INTERRUPTED', session_usable: true },
    });
    expect(await resumed.recorder.turnEnd(queued)).toMatchObject({
      type: 'final_response',
      data: { content: 'Echo: after failover' },
    });
    const next = await chat(a, sessionId, '[[recall]]');
    expect(next.body).toMatchObject({ response: 'History: after failover | [[recall]]' });
    const all = ids([...first.recorder.events, ...resumed.recorder.events]);
    expect(consecutive(all)).toBe(true);
    expect(all[0]).toBe(1);

    const history = (await (await fetch(`${a.url}/api/v3/sessions/${sessionId}/messages`)).json()) as {
      messages: unknown[];
    };
    expect(history.messages[0]).toEqual({ role: 'user', content: '[[hold:failover]]', incomplete: 'interrupted' });
    llm.release('failover');
    await b.start();
  });

  it('should drain a node on SIGTERM: its turn finishes, the queued message runs on the other node, nothing ends', async () => {
    const sessionId = await createSession(b.url);
    const watcher = await sse(a, sessionId);
    const held = await send(b, sessionId, '[[hold:drain-redis]]');
    const queued = await send(a, sessionId, 'after the drain');
    await watcher.recorder.waitFor((event) => event.turn_id === held && event.type === 'partial_response');

    const exited = b.terminate();
    let ready = await fetch(`${b.url}/health/ready`);
    while (ready.status === 200) {
      ready = await fetch(`${b.url}/health/ready`);
    }
    expect(ready.status).toBe(503);
    const refused = await postJson(`${b.url}/api/v3/chat/send`, { session_id: sessionId, message: 'too late' });
    expect(await refused.json()).toMatchObject({ error: { code: 'SERVER_DRAINING' } });

    llm.release('drain-redis');
    expect(await watcher.recorder.turnEnd(held)).toMatchObject({ type: 'final_response' });
    // Left in Redis by the draining node, the queued message runs once node A takes the session.
    expect(await watcher.recorder.turnEnd(queued, 30_000)).toMatchObject({
      type: 'final_response',
      data: { content: 'Echo: after the drain' },
    });
    expect(await exited).toBe(0);
    expect(watcher.recorder.events.some((event) => event.type === 'session_end')).toBe(false);
    const detail = (await (await fetch(`${a.url}/api/v3/sessions/${sessionId}`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ node: 'node-a', turns: 2 });
    await b.start();
  });

  it('should keep every session and its history when both nodes restart', async () => {
    const sessionId = await createSession(a.url);
    expect((await chat(a, sessionId, 'remember me')).status).toBe(200);
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([a.start(), b.start()]);
    const detail = (await (await fetch(`${b.url}/api/v3/sessions/${sessionId}`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({
      turns: 1,
      messages: [
        { role: 'user', content: 'remember me' },
        { role: 'assistant', content: 'Echo: remember me' },
      ],
    });
    expect((await chat(b, sessionId, '[[recall]]')).body).toMatchObject({
      response: 'History: remember me | [[recall]]',
    });
  });

  it('should answer STORE_UNAVAILABLE while Redis is down and recover by itself when it returns', async () => {
    const sessionId = await createSession(a.url);
    expect((await chat(a, sessionId, 'before the outage')).status).toBe(200);
    const follower = await socket(a);
    await follower.socket.emitWithAck('join_chat', { session_id: sessionId, last_event_id: 0 });
    const streamed = await sse(b, sessionId, 0);
    // The turn's last event: its status going back to READY.
    const last = (await follower.recorder.waitFor((event) => event.type === 'status' && event.data.status === 'READY'))
      .id;
    await streamed.recorder.waitFor((event) => event.id === last);
    await redis.stop();

    // Followers are told, with the id of the last event they got, so they resume from it later.
    const lost = { type: 'error', id: last, data: { code: 'STORE_UNAVAILABLE', session_usable: true } };
    await follower.recorder.waitFor((event) => event.type === 'error', 'STORE_UNAVAILABLE on socket.io');
    await streamed.recorder.waitFor((event) => event.type === 'error', 'STORE_UNAVAILABLE on SSE');
    expect(follower.recorder.events.at(-1)).toMatchObject(lost);
    expect(streamed.recorder.events.at(-1)).toMatchObject(lost);

    const refused = await chat(a, sessionId, 'during the outage');
    expect(refused).toEqual({
      status: 503,
      body: { error: { code: 'STORE_UNAVAILABLE', message: expect.any(String) } },
    });
    const health = await healthBecomes(a, 503);
    expect(health).toMatchObject({ status: 'error', error: { redis: { status: 'down', address: redis.url } } });
    const created = await postJson(`${b.url}/api/v3/sessions`);
    expect(created.status).toBe(503);

    await redis.start();
    await Promise.all([healthBecomes(a, 200), healthBecomes(b, 200)]);
    expect((await chat(b, sessionId, '[[recall]]')).body).toMatchObject({
      response: 'History: before the outage | [[recall]]',
    });
  });

  it('should report a turn cut short by a Redis outage as interrupted once Redis is back, and run what waited', async () => {
    const sessionId = await createSession(a.url);
    const held = await send(a, sessionId, '[[hold:outage]]');
    const queued = await send(b, sessionId, 'queued before the outage');
    await llm.held('outage');
    await redis.stop();
    // The turn streams on while Redis is away: its next event cannot be stored, and it stops.
    llm.release('outage');
    await waitUntil(
      () => a.output().includes(`Turns of session ${sessionId} stopped`),
      'the node to stop the turn',
      30_000,
    );
    await redis.start();

    const watcher = await sse(b, sessionId, 0);
    expect(await watcher.recorder.turnEnd(held, 30_000)).toMatchObject({
      type: 'error',
      data: { code: 'TURN_INTERRUPTED', session_usable: true },
    });
    expect(await watcher.recorder.turnEnd(queued)).toMatchObject({
      type: 'final_response',
      data: { content: 'Echo: queued before the outage' },
    });
    expect(consecutive(ids(watcher.recorder.events))).toBe(true);
  });

  it('should start while Redis is unreachable, say so on /health, and serve once Redis is there', async () => {
    await redis.stop();
    const late = await startNode(env('node-late'));
    try {
      const health = await healthBecomes(late, 503);
      expect(health).toMatchObject({
        error: {
          redis: { status: 'down', node: 'node-late', message: expect.stringContaining('Redis is unreachable') },
        },
      });
      expect(JSON.stringify(health)).not.toContain('test-key');
      await redis.start();
      await healthBecomes(late, 200);
      const sessionId = await createSession(late.url);
      expect((await chat(late, sessionId, 'late but fine')).body).toMatchObject({ response: 'Echo: late but fine' });
    } finally {
      await late.kill();
    }
  });
});
