import { OWNER, startRedisStore, storedRecord as record } from '../../test/helpers/session-store-backends';
import type { RedisService } from '../redis/redis.service';
import type { RedisSessionStore } from './redis-session.store';

/**
 * What only Redis has: indexes apart from the records, whose keys may expire while every node is
 * down. Such entries never count against a limit (the memory store cannot have them).
 */
describe('RedisSessionStore indexes', () => {
  let close: () => Promise<void>;
  let redis: RedisService;
  let store: RedisSessionStore;

  beforeAll(async () => {
    ({ redis, store, close } = await startRedisStore());
  });
  afterAll(() => close());
  beforeEach(() => redis.commands.flushdb());

  /** The session's keys expire, as they would with no node to sweep it: its index entries stay. */
  const expire = (id: string) => redis.commands.del(redis.keys.session(id), redis.keys.lease(id));
  const indexed = async () => ({
    total: await redis.commands.zcard(redis.keys.sessionsByCreation()),
    active: await redis.commands.zcard(redis.keys.sessionsByActivity()),
    owned: await redis.commands.zcard(redis.keys.sessionsOf(OWNER)),
  });

  it('should prune the index over its limit before refusing a create, then count again', async () => {
    const limits = { total: 3, perOwner: 2 };
    expect(await store.create(record('a', 1), limits)).toBe('created');
    expect(await store.create(record('b', 2), limits)).toBe('created');
    expect(await store.create(record('c', 3, 'bob'), limits)).toBe('created');
    await expire('a');
    await expire('c');
    expect(await indexed()).toEqual({ total: 3, active: 3, owned: 2 });

    // Both indexes were over with d: each dropped its gone sessions, and d was admitted.
    expect(await store.create(record('d', 4), limits)).toBe('created');
    expect(await indexed()).toEqual({ total: 2, active: 2, owned: 2 });
    expect(await store.create(record('e', 5, 'carol'), limits)).toBe('created');
    expect(await indexed()).toEqual({ total: 3, active: 3, owned: 2 });
    // Nothing gone is left: past the limits, refused as before.
    expect(await store.create(record('f', 6, 'dave'), limits)).toBe('too_many');
    expect(await store.create(record('g', 7), { total: 10, perOwner: 2 })).toBe('too_many_for_owner');
    expect((await store.list(10)).records.map((r) => r.id)).toEqual(['e', 'd', 'b']);
  });

  it('should drop forgotten sessions from every index', async () => {
    await store.create(record('a', 1), { total: 10 });
    await store.create(record('b', 2), { total: 10 });
    await store.claim('a', 'n1', false);
    await store.release('a', 'n1', false);
    await expire('a');
    expect(await store.idleSince(10, 10)).toEqual(['a', 'b']);
    await store.forget(['a']);
    expect(await store.idleSince(10, 10)).toEqual(['b']);
    expect(await store.count()).toBe(1);
  });
});
