import { Redis } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { redisKeys } from '../src/redis/redis-keys';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { clusterNodeEnv, startNodes } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { createSession, postJson } from './helpers/http';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';
import { waitUntil } from './helpers/wait';

const LEASE_MS = 3000;
const MAX_SESSIONS = 4;
const keys = redisKeys('mcphost:');

/** Where two nodes meet: lost wake-ups, indexes that outlive their sessions, and reads on either node. */
describe('Two nodes at the edges (e2e)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let llm: ScriptedLlm;
  let dir: string;
  let a: AppNode;
  let b: AppNode;

  const env = (node: string) => ({
    ...clusterNodeEnv(node, redis.url, llmUrl, join(dir, 'mcp.json')),
    TURN_LEASE_MS: String(LEASE_MS),
    MAX_SESSIONS: String(MAX_SESSIONS),
  });
  let llmUrl: string;

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    llm = new ScriptedLlm();
    llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'mcp-host-edges-'));
    const modern = { command: process.execPath, args: [require.resolve('./fixtures/modern-server.cjs')] };
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { modern } }));
    [a, b] = await startNodes(env('node-a'), env('node-b'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a, b].map((node) => node?.kill()));
    admin?.disconnect();
    await redis?.close();
    await llm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const history = async (node: AppNode, sessionId: string) =>
    (
      (await (await fetch(`${node.url}/api/v3/sessions/${sessionId}/messages?limit=100`)).json()) as {
        messages: { role: string; content: string }[];
      }
    ).messages;

  it('should run every message sent through the non-holder right after the pub/sub connections were cut', async () => {
    const sessionId = await createSession(a.url);
    expect(await admin.get(keys.lease(sessionId))).toBe('node-a');
    for (let round = 1; round <= 4; round++) {
      // Every node's subscriber goes: the run signal of the next message has nobody to hear it.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      const sent = await postJson(`${b.url}/api/v3/chat/send`, { session_id: sessionId, message: `round ${round}` });
      expect(sent.status).toBe(202);
      await waitUntil(
        async () => (await history(b, sessionId)).some((message) => message.content === `Echo: round ${round}`),
        `the answer to round ${round}`,
        LEASE_MS * 5,
      );
    }
    const answers = (await history(a, sessionId)).filter((message) => message.role === 'assistant');
    expect(answers.map((message) => message.content)).toEqual([1, 2, 3, 4].map((round) => `Echo: round ${round}`));
    expect((await fetch(`${a.url}/api/v3/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
  });

  it("should answer a session's catalog reads on either node, and take the session over once its holder is gone", async () => {
    const sessionId = await createSession(a.url);
    const read = async (node: AppNode, path: string, body?: unknown) => {
      const url = `${node.url}/api/v3/mcp/servers/modern/${path}${body ? '' : `${path.includes('?') ? '&' : '?'}session_id=${sessionId}`}`;
      const response = body ? await postJson(url, { ...body, session_id: sessionId }) : await fetch(url);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const reads = async (node: AppNode) => [
      await read(node, 'resources'),
      await read(node, 'resource-templates'),
      await read(node, `resources/read?uri=${encodeURIComponent('note://hello')}`),
      await read(node, 'prompts'),
      await read(node, 'prompts/greet/get', { arguments: { who: 'Ada' } }),
    ];
    const onHolder = await reads(a);
    expect(onHolder.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(onHolder[2].body).toMatchObject({ contents: [{ text: 'Hello from the modern server' }] });
    expect(await reads(b)).toEqual(onHolder);
    expect(await admin.get(keys.lease(sessionId))).toBe('node-a');

    // Someone else's session, through either node: as if it did not exist.
    const stranger = await fetch(
      `${b.url}/api/v3/mcp/servers/modern/prompts?session_id=00000000-0000-4000-8000-000000000000`,
    );
    expect(stranger.status).toBe(404);

    await a.kill();
    // Until its lease lapses, the session is still held: the read is refused as busy, to be tried again.
    const refusals = new Set<string>();
    await waitUntil(
      async () => {
        const answer = await read(b, 'prompts');
        if (answer.status !== 200) {
          refusals.add(`${answer.status} ${(answer.body.error as { code: string }).code}`);
        }
        return answer.status === 200;
      },
      'node b to take the session over',
      LEASE_MS * 5,
    );
    expect([...refusals].filter((refusal) => refusal !== '429 SESSION_BUSY')).toEqual([]);
    expect(await admin.get(keys.lease(sessionId))).toBe('node-b');
    expect((await read(b, 'prompts')).body).toEqual(onHolder[3].body);
    await a.start();
    expect((await fetch(`${a.url}/api/v3/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('should not count sessions whose records are gone: a restarted node admits MAX_SESSIONS again', async () => {
    const ids: string[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) {
      ids.push(await createSession(i % 2 ? a.url : b.url));
    }
    expect((await postJson(`${a.url}/api/v3/sessions`)).status).toBe(503);

    // Every node is down while the sessions' keys expire; their index entries stay.
    await Promise.all([a.kill(), b.kill()]);
    await admin.del(...ids.flatMap((id) => [keys.session(id), keys.lease(id)]));
    expect(await admin.zcard(keys.sessionsByCreation())).toBe(MAX_SESSIONS);
    await a.start();

    for (let i = 0; i < MAX_SESSIONS; i++) {
      const created = await postJson(`${a.url}/api/v3/sessions`);
      expect(created.status).toBe(201);
    }
    const refused = await postJson(`${a.url}/api/v3/sessions`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'TOO_MANY_SESSIONS' } });
    expect(await admin.zcard(keys.sessionsByCreation())).toBe(MAX_SESSIONS);
    await b.start();
  });
});
