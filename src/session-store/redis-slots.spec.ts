import type { Redis } from 'ioredis';

import { startRedisStore, storedRecord } from '../../test/helpers/session-store-backends';
import type { RedisStore } from '../../test/helpers/session-store-backends';
import { SessionStatus } from '../contract/session-status';
import { RedisScript } from '../redis/redis-script';
import { RedisSessionEventLog } from './event-log/redis-session-event-log';

/** Redis Cluster hashes only the `{tag}` of a key that has one (a non-empty one): keys of one tag share a slot. */
function hashed(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** The keys each MULTI block was given, by wrapping the client's multi(). */
function recordMultis(client: Redis, blocks: string[][]): void {
  const multi = client.multi.bind(client);
  (client as unknown as { multi: () => unknown }).multi = () => {
    const block: string[] = [];
    blocks.push(block);
    const pipeline = multi();
    return new Proxy(pipeline, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function' || property === 'exec') {
          return value;
        }
        return (first: unknown, ...rest: unknown[]) => {
          block.push(String(first));
          (value as (...args: unknown[]) => unknown).call(target, first, ...rest);
          return receiver as unknown;
        };
      },
    });
  };
}

/**
 * Every Lua script call and every MULTI of a session's life touches keys of one slot, as Redis Cluster
 * requires. (On one Redis, never a cluster, a turn's end also adds its tokens to the owner's usage
 * hash: the usage store's contract spec shows it does not on a cluster.)
 */
describe('Redis keys per script and MULTI', () => {
  let backend: RedisStore;
  let log: RedisSessionEventLog;
  const scripts: Array<{ file: string; keys: string[]; channel?: string }> = [];
  const multis: string[][] = [];
  const run = RedisScript.prototype.run;

  beforeAll(async () => {
    backend = await startRedisStore();
    log = new RedisSessionEventLog(backend.redis, 100, 60_000);
    jest.spyOn(RedisScript.prototype, 'run').mockImplementation(function (this: RedisScript, keys, args = []) {
      const file = (this as unknown as { command: string }).command;
      // The append script publishes on the session's channel, which must be in its keys' slot too.
      scripts.push({ file, keys, channel: file.includes('append') ? String(args[2]) : undefined });
      return run.call(this, keys, args);
    });
    recordMultis(backend.redis.commands, multis);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await backend?.close();
  });

  it('should use one slot in each, through create, messages, turns, leases, changes, events and the end', async () => {
    const { store } = backend;
    const sender = { node: 'n1', idle: true, historyLimit: 10 };
    expect(await store.create(storedRecord('s1'), { total: 100 })).toBe('created');
    await store.claim('s1', 'n1', false);
    const started = await store.enqueue('s1', 'alice', { turn_id: 't1', content: 'hi' }, 5, Date.now(), sender);
    expect(started).toMatchObject({ admitted: true, started: expect.anything() });
    await store.enqueue('s1', 'alice', { turn_id: 't2', content: 'next' }, 5, Date.now(), sender);
    await log.appendAsHolder(
      { type: 'status', session_id: 's1', turn_id: 't1', ts: '', data: { status: SessionStatus.PROCESSING } },
      'n1',
    );
    await store.finishTurn('s1', 't1', {
      messages: [{ role: 'user', content: 'hi' }],
      at: Date.now(),
      completed: true,
      status: SessionStatus.READY,
    });
    await store.startNext('s1', 'n1', 10);
    await store.messages('s1', 10);
    await store.change('s1', { title: 'renamed' });
    await store.heartbeat('n1', 10_000);
    await store.verify(['s1'], 'n1');
    await store.release('s1', 'n1', true);
    await store.leave('n1');
    expect(await store.orphans(Date.now(), 10)).toEqual([{ id: 's1', from: 'n1' }]);
    await store.claim('s1', 'n2', true, 'n1');
    await store.end('s1');

    expect(scripts.map((call) => call.file)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('enqueue'),
        expect.stringContaining('append'),
        expect.stringContaining('claim'),
      ]),
    );
    for (const call of scripts) {
      const tags = new Set([...call.keys, ...(call.channel ? [call.channel] : [])].map(hashed));
      expect({ script: call.file, slots: tags.size }).toEqual({ script: call.file, slots: 1 });
    }
    expect(multis.length).toBeGreaterThan(0);
    for (const block of multis) {
      expect({ block, slots: new Set(block.map(hashed)).size }).toEqual({ block, slots: 1 });
    }
  });
});
