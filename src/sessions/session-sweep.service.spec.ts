import { startRedisStore, storedRecord as record } from '../../test/helpers/session-store-backends';
import { validateEnvironment } from '../config/validate-environment';
import type { RedisService } from '../redis/redis.service';
import type { SessionSignal } from '../session-store/bus/session-bus';
import type { RedisSessionStore } from '../session-store/redis-session.store';
import type { SessionWorker } from '../turns/session-worker.service';
import type { SessionHolder } from './session-holder';
import { SessionSweep } from './session-sweep.service';

/** The idle sweep over a real Redis, where index entries can outlive their sessions' keys. */
describe(SessionSweep.name, () => {
  let close: () => Promise<void>;
  let redis: RedisService;
  let store: RedisSessionStore;
  let asked: SessionSignal[];
  let sweep: SessionSweep;

  beforeAll(async () => {
    ({ redis, store, close } = await startRedisStore());
  });
  afterAll(() => close());
  beforeEach(async () => {
    await redis.commands.flushdb();
    asked = [];
    // No node holds these sessions: the sweep ends them here, through the store's idle check.
    const holder = {
      ask: (_node: string | undefined, signal: SessionSignal, locally: () => Promise<boolean>) => {
        asked.push(signal);
        return locally();
      },
    } as unknown as SessionHolder;
    const worker = {
      end: async (id: string, _reason: string, idleBefore?: number) =>
        typeof (await store.end(id, idleBefore)) === 'object',
    } as unknown as SessionWorker;
    sweep = new SessionSweep(store, worker, holder, validateEnvironment({ SESSION_TTL_MS: '60000' }));
  });

  it('should end the idle sessions, each told its cutoff, and drop index entries of sessions already gone', async () => {
    await store.create(record('gone', 1), { total: 10 });
    await store.create(record('idle', 2), { total: 10 });
    await store.create(record('fresh', Date.now()), { total: 10 });
    // Its keys expired while no node swept it: its entries stay in the indexes.
    await redis.commands.del(redis.keys.session('gone'));

    const now = Date.now();
    expect(await sweep.sweepExpired(now)).toEqual(['idle']);
    expect(asked).toEqual([{ kind: 'end', session_id: 'idle', reason: 'expired', idle_before: now - 60_000 }]);
    expect(await store.idleSince(now, 10)).toEqual(['fresh']);
    expect(await store.count()).toBe(1);
  });
});
