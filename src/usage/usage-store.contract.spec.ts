import { startRedisCluster } from '../../test/helpers/redis-cluster';
import { startRedis } from '../../test/helpers/redis-server';
import { validateEnvironment } from '../config/validate-environment';
import { RedisService } from '../redis/redis.service';
import { MemoryUsageStore } from './memory-usage.store';
import { RedisUsageStore } from './redis-usage.store';
import type { UsageStore } from './usage-store';

const RETENTION_MS = 400 * 86_400_000;

interface UsageBackend {
  store: UsageStore;
  /** The Redis connection, for what only Redis shows (expiries). */
  redis?: RedisService;
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function onRedis(env: Record<string, string>, flush: () => Promise<unknown>, stop: () => Promise<void>) {
  const redis = new RedisService(validateEnvironment(env));
  // A new store per test: a node names each principal in a day's index once, and the data is flushed.
  let store = new RedisUsageStore(redis, RETENTION_MS);
  return {
    get store() {
      return store;
    },
    redis,
    reset: async () => {
      await flush();
      store = new RedisUsageStore(redis, RETENTION_MS);
    },
    close: async () => {
      await redis.onApplicationShutdown();
      await stop();
    },
  };
}

const backends: [string, () => Promise<UsageBackend>][] = [
  [
    'memory',
    async () => {
      let store = new MemoryUsageStore(RETENTION_MS);
      return {
        get store() {
          return store;
        },
        reset: async () => void (store = new MemoryUsageStore(RETENTION_MS)),
        close: async () => undefined,
      };
    },
  ],
  [
    'redis',
    async () => {
      const server = await startRedis();
      const backend = await onRedis({ REDIS_URL: server.url }, () => backend.redis.commands.flushdb(), server.close);
      return backend;
    },
  ],
  [
    'cluster',
    async () => {
      const nodes = await startRedisCluster();
      return onRedis({ REDIS_CLUSTER_NODES: nodes.seeds }, () => nodes.flush(), nodes.close);
    },
  ],
];

const turn = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  total_tokens: input + output,
});

// What is counted per principal, model and UTC day, the same on every UsageStore implementation.
describe.each(backends)('UsageStore contract: %s', (_name, open) => {
  let backend: UsageBackend;

  beforeAll(async () => {
    backend = await open();
  });
  afterAll(() => backend?.close());
  beforeEach(() => backend.reset());

  it('should add turns per principal, model and day, and tell the day total across models', async () => {
    const { store } = backend;
    await store.record('key:alice', 'fast', '2026-12-07', turn(10, 2));
    await store.record('key:alice', 'fast', '2026-12-07', turn(30, 4));
    await store.record('key:alice', 'claude', '2026-12-07', turn(5, 5));
    await store.record('key:alice', 'fast', '2026-12-08', turn(1, 1));
    await store.record('key:bob', 'fast', '2026-12-07', turn(100, 100));
    expect(await store.usedOn('key:alice', '2026-12-07')).toBe(10 + 2 + 30 + 4 + 5 + 5);
    expect(await store.usedOn('key:alice', '2026-12-06')).toBe(0);
    const sorted = (rows: Awaited<ReturnType<UsageStore['rows']>>) =>
      [...rows].sort((a, b) => `${a.principal}${a.day}${a.model}`.localeCompare(`${b.principal}${b.day}${b.model}`));
    expect(sorted(await store.rows(['2026-12-07', '2026-12-08'], 'key:alice'))).toEqual([
      {
        principal: 'key:alice',
        day: '2026-12-07',
        model: 'claude',
        input_tokens: 5,
        output_tokens: 5,
        total_tokens: 10,
        turns: 1,
      },
      {
        principal: 'key:alice',
        day: '2026-12-07',
        model: 'fast',
        input_tokens: 40,
        output_tokens: 6,
        total_tokens: 46,
        turns: 2,
      },
      {
        principal: 'key:alice',
        day: '2026-12-08',
        model: 'fast',
        input_tokens: 1,
        output_tokens: 1,
        total_tokens: 2,
        turns: 1,
      },
    ]);
    // Everyone's, for administrators.
    expect(sorted(await store.rows(['2026-12-07'])).map((row) => [row.principal, row.model, row.turns])).toEqual([
      ['key:alice', 'claude', 1],
      ['key:alice', 'fast', 2],
      ['key:bob', 'fast', 1],
    ]);
  });

  it('should lose no increment when turns of one principal end at once', async () => {
    const { store } = backend;
    await Promise.all(Array.from({ length: 50 }, () => store.record('jwt:c{1}:x', 'fast', '2026-12-07', turn(3, 1))));
    expect(await store.usedOn('jwt:c{1}:x', '2026-12-07')).toBe(200);
    expect((await store.rows(['2026-12-07'], 'jwt:c{1}:x'))[0]).toMatchObject({ turns: 50, total_tokens: 200 });
  });

  it('should keep a day for its retention after it ends, on Redis as an expiry', async () => {
    const { store, redis } = backend;
    await store.record('key:alice', 'fast', '2026-12-07', turn(1, 1));
    if (redis) {
      const expireAt = await redis.commands.pexpiretime(redis.keys.usage('key:alice', '2026-12-07'));
      expect(expireAt).toBe(Date.parse('2026-12-08T00:00:00Z') + RETENTION_MS);
      expect(await redis.commands.pexpiretime(redis.keys.usagePrincipals('2026-12-07'))).toBe(expireAt);
    }
    expect(await store.rows(['2026-12-07'], 'key:alice')).toHaveLength(1);
  });

  it("should store a turn's tokens before its end is recorded, or hand them to that step (one Redis)", async () => {
    const { store, redis } = backend;
    const folded = await store.forTurnEnd('key:alice', 'fast', '2026-12-07', turn(7, 3));
    if (redis && !redis.cluster) {
      // The turn's end adds them (finish-turn.lua); the principal is in the day's index already.
      expect(folded).toEqual({
        key: redis.keys.usage('key:alice', '2026-12-07'),
        model: 'fast',
        input_tokens: 7,
        output_tokens: 3,
        expireAt: Date.parse('2026-12-08T00:00:00Z') + RETENTION_MS,
      });
      expect(await redis.commands.smembers(redis.keys.usagePrincipals('2026-12-07'))).toEqual(['key:alice']);
    } else {
      expect(folded).toBeUndefined();
      expect(await store.usedOn('key:alice', '2026-12-07')).toBe(10);
    }
  });
});
