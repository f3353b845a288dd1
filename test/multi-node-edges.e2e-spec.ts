import { Redis } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { redisKeys } from '../src/redis/redis-keys';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { startNodes } from './helpers/app-node';
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
    NODE_ID: node,
    REDIS_URL: redis.url,
    LLM_MODEL: 'openai:scripted',
    OPENAI_BASE_URL: llmUrl,
    OPENAI_API_KEY: 'test-key',
    LLM_MAX_RETRIES: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    MCP_CONFIG: join(dir, 'mcp.json'),
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
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: {} }));
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
