import { Redis } from 'ioredis';

import { commandCalls, totals } from './helpers/command-stats';
import { connectSocket, runSocketTurn, sendMessage } from './helpers/events';
import { createSession } from './helpers/http';
import { startRedis } from './helpers/redis-server';
import type { RedisServer } from './helpers/redis-server';
import { startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitUntil } from './helpers/wait';

const TURNS = 20;
const TOOL_TURN = '[[tool:echo {"message":"budget"}]]';
const LEASE_MS = 1500;

/** What a tool turn and an idle node cost Redis, as INFO commandstats counts it. */
describe('Redis command budget (e2e)', () => {
  let t: TestApp;
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    t = await startApp({ REDIS_URL: server.url, TURN_LEASE_MS: String(LEASE_MS) });
  });

  afterAll(async () => {
    await t?.close();
    redis?.disconnect();
    await server?.close();
  });

  it('should spend at most 40 commands, 6 of them scripts, on a tool turn, at turn 2 as at turn 300', async () => {
    // As a user keeps a chat open: one socket.io connection joined to the session.
    const client = await connectSocket(t.url);
    const sessionId = (await runSocketTurn(client, 'hello')).sessionId;
    const toolTurn = async (id: string) => {
      const turnId = await sendMessage(client, id, TOOL_TURN);
      expect((await client.recorder.turnEnd(turnId)).type).toBe('final_response');
    };
    const perTurn = async () => {
      await redis.config('RESETSTAT');
      for (let turn = 0; turn < TURNS; turn++) {
        await toolTurn(sessionId);
      }
      const { commands, scripts } = totals(await commandCalls(redis));
      return { commands: commands / TURNS, scripts: scripts / TURNS };
    };
    await toolTurn(sessionId);
    const early = await perTurn();
    for (let turn = 0; turn < 280 - TURNS; turn++) {
      await toolTurn(sessionId);
    }
    const late = await perTurn();
    for (const cost of [early, late]) {
      expect(cost.commands).toBeLessThanOrEqual(40);
      expect(cost.scripts).toBeLessThanOrEqual(6);
    }
    // Nothing grows with the history: a few commands of background work either way.
    expect(Math.abs(late.commands - early.commands)).toBeLessThanOrEqual(2);
    client.socket.disconnect();
  });

  it('should renew its hold with the same commands whether it holds 5 sessions or 50', async () => {
    const renewal = async (held: number) => {
      for (let i = 0; i < held; i++) {
        await createSession(t.url);
      }
      await redis.config('RESETSTAT');
      // Three heartbeats (one SET of the node's key each), counted on Redis itself.
      await waitUntil(async () => ((await commandCalls(redis)).get('set') ?? 0) >= 3, 'three heartbeats', 30_000);
      const calls = await commandCalls(redis);
      const beats = calls.get('set') ?? 0;
      // Per heartbeat: what renewing could cost per session (scripts, expiries, lease writes).
      return ['set', 'zadd', 'evalsha', 'pexpire', 'get', 'exists', 'sadd'].map((name) => [
        name,
        (calls.get(name) ?? 0) / beats,
      ]);
    };
    const few = await renewal(5);
    const many = await renewal(45);
    expect(many).toEqual(few);
    expect(Object.fromEntries(many)).toMatchObject({ set: 1, zadd: 1, evalsha: 0, pexpire: 0 });
  });
});
