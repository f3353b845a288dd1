import { startRedisCluster } from '../../test/helpers/redis-cluster';
import { startRedis } from '../../test/helpers/redis-server';
import { validateEnvironment } from '../config/validate-environment';
import { RedisService } from '../redis/redis.service';
import { MemoryUserServerStore } from './memory-user-server.store';
import { RedisUserServerStore } from './redis-user-server.store';
import type { UserServer, UserServerStore } from './user-server-store';

interface Backend {
  /** Two stores over the same data: two nodes (the memory store has one node, so both are one). */
  stores: [UserServerStore, UserServerStore];
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function onRedis(env: Record<string, string>, flush: () => Promise<unknown>, stop: () => Promise<void>) {
  const nodes = [new RedisService(validateEnvironment(env)), new RedisService(validateEnvironment(env))];
  return {
    stores: [new RedisUserServerStore(nodes[0]), new RedisUserServerStore(nodes[1])] as Backend['stores'],
    reset: async () => void (await flush()),
    close: async () => {
      await Promise.all(nodes.map((node) => node.onApplicationShutdown()));
      await stop();
    },
  };
}

const backends: [string, () => Promise<Backend>][] = [
  [
    'memory',
    async () => {
      let store = new MemoryUserServerStore();
      return {
        get stores(): Backend['stores'] {
          return [store, store];
        },
        reset: async () => void (store = new MemoryUserServerStore()),
        close: async () => undefined,
      };
    },
  ],
  [
    'redis',
    async () => {
      const server = await startRedis();
      const flusher = new RedisService(validateEnvironment({ REDIS_URL: server.url }));
      return onRedis(
        { REDIS_URL: server.url },
        () => flusher.commands.flushdb(),
        async () => {
          await flusher.onApplicationShutdown();
          await server.close();
        },
      );
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

const server = (name: string, changes: Partial<UserServer> = {}): UserServer => ({
  name,
  url: `https://${name}.example/mcp`,
  type: 'streamable-http',
  enabled: true,
  require_approval: 'writes',
  approval_tools: [],
  headers: { authorization: 'v1.sealed' },
  created_at: 1,
  updated_at: 1,
  ...changes,
});

// Each principal's own servers, the same on every UserServerStore implementation.
describe.each(backends)('UserServerStore contract: %s', (_name, open) => {
  let backend: Backend;

  beforeAll(async () => {
    backend = await open();
  });
  afterAll(() => backend?.close());
  beforeEach(() => backend.reset());

  it("should keep each principal's servers apart, listed by name, and seen from every node at once", async () => {
    const [a, b] = backend.stores;
    expect(await a.create('key:alice', server('weather'), 10)).toBe('created');
    expect(await a.create('key:alice', server('calendar'), 10)).toBe('created');
    expect(await a.create('key:bob', server('weather', { url: 'https://bob.example/mcp' }), 10)).toBe('created');
    expect((await b.list('key:alice')).map((s) => s.name)).toEqual(['calendar', 'weather']);
    expect(await b.get('key:alice', 'weather')).toEqual(server('weather'));
    expect(await b.get('key:bob', 'weather')).toMatchObject({ url: 'https://bob.example/mcp' });
    expect(await b.get('key:carol', 'weather')).toBeUndefined();
    expect(await b.list('key:carol')).toEqual([]);
  });

  it('should refuse a name the owner has, and a server past the bound, storing nothing', async () => {
    const [a, b] = backend.stores;
    await a.create('key:alice', server('one'), 2);
    expect(await b.create('key:alice', server('one', { url: 'https://other.example' }), 2)).toBe('taken');
    await a.create('key:alice', server('two'), 2);
    expect(await b.create('key:alice', server('three'), 2)).toBe('limit');
    expect((await a.list('key:alice')).map((s) => [s.name, s.url])).toEqual([
      ['one', 'https://one.example/mcp'],
      ['two', 'https://two.example/mcp'],
    ]);
  });

  it('should admit exactly the bound when nodes create at once', async () => {
    const [a, b] = backend.stores;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).create('key:alice', server(`s${i}`), 5)),
    );
    expect(results.filter((result) => result === 'created')).toHaveLength(5);
    expect(await a.list('key:alice')).toHaveLength(5);
  });

  it('should update and delete only what exists, never recreating a deleted one', async () => {
    const [a, b] = backend.stores;
    await a.create('key:alice', server('weather'), 10);
    expect(await b.update('key:alice', server('weather', { enabled: false, updated_at: 2 }))).toBe(true);
    expect(await a.get('key:alice', 'weather')).toMatchObject({ enabled: false, updated_at: 2 });
    expect(await b.delete('key:alice', 'weather')).toBe(true);
    expect(await a.update('key:alice', server('weather'))).toBe(false);
    expect(await a.delete('key:alice', 'weather')).toBe(false);
    expect(await a.get('key:alice', 'weather')).toBeUndefined();
  });
});
