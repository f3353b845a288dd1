import { Redis } from 'ioredis';

import { commandCalls } from './helpers/command-stats';
import { createSession, postJson } from './helpers/http';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';
import { noMcpServers, startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const LIMIT = 5;
const TURNS = 8;

/** History read by the turns so far: LRANGE calls, inside scripts too. */
const historyReads = async (redis: Redis): Promise<number> => (await commandCalls(redis)).get('lrange') ?? 0;

/** MAX_HISTORY_MESSAGES bounds what a turn reads and sends, never what is kept. */
describe.each(['memory', 'redis'] as const)('history bound, %s store (e2e)', (store) => {
  let t: TestApp;
  let redisServer: RedisServer | undefined;
  let redis: Redis | undefined;

  beforeAll(async () => {
    redisServer = store === 'redis' ? await startRedis() : undefined;
    redis = redisServer ? new Redis(redisServer.url) : undefined;
    t = await startApp({
      MAX_HISTORY_MESSAGES: String(LIMIT),
      MCP_CONFIG: noMcpServers(),
      ...(redisServer ? { REDIS_URL: redisServer.url } : {}),
    });
  });

  afterAll(async () => {
    await t?.close();
    redis?.disconnect();
    await redisServer?.close();
  });

  it('should send the model at most MAX_HISTORY_MESSAGES earlier messages, and keep the history whole', async () => {
    const sessionId = await createSession(t.url);
    let readsAfterFirst = 0;
    for (let turn = 1; turn <= TURNS; turn++) {
      const answer = await postJson(`${t.url}/chat`, { session_id: sessionId, message: `turn ${turn}` });
      expect(answer.status).toBe(200);
      readsAfterFirst = turn === 1 && redis ? await historyReads(redis) : readsAfterFirst;
    }
    if (redis) {
      // The node running the session keeps its newest messages: later turns read no history.
      expect(await historyReads(redis)).toBe(readsAfterFirst);
    }

    const requests = t.llm.requests.slice(-TURNS).map((request) => request.messages);
    for (const [index, messages] of requests.entries()) {
      const [system, ...rest] = messages;
      const earlier = rest.slice(0, -1);
      expect(system.role).toBe('system');
      expect(rest.at(-1)).toMatchObject({ role: 'user', content: `turn ${index + 1}` });
      // Two messages a turn: the newest whole turns that fit, the note once earlier ones are out.
      expect(earlier.length).toBe(Math.min(index * 2, LIMIT - 1));
      expect(earlier[0]?.role ?? 'user').toBe('user');
      expect(JSON.stringify(system.content).includes('were left out')).toBe(index * 2 > LIMIT - 1);
    }

    // Stored whole: paged from the newest back to the first message.
    const seen: string[] = [];
    let before: number | null = null;
    do {
      const query: string = before === null ? '' : `&before=${before}`;
      const page = (await (await fetch(`${t.url}/api/v3/sessions/${sessionId}/messages?limit=3${query}`)).json()) as {
        messages: Array<{ content: string }>;
        next_before: number | null;
      };
      seen.unshift(...page.messages.map((message) => message.content));
      before = page.next_before;
    } while (before !== null);
    expect(seen).toHaveLength(TURNS * 2);
    expect(seen[0]).toBe('turn 1');
    expect(seen.at(-1)).toBe(`Echo: turn ${TURNS}`);
  });
});
