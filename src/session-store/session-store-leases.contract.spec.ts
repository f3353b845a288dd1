import {
  OWNER,
  QUEUING_SENDER as SENDER,
  storeBackends,
  storedRecord as record,
} from '../../test/helpers/session-store-backends';
import type { StoreBackend } from '../../test/helpers/session-store-backends';
import { waitUntil } from '../../test/helpers/wait';
import { SessionStatus } from '../contract/session-status';
import type { SessionStore } from './session-store';

const turn = (id: string) => ({ turn_id: id, content: `say ${id}` });

// Which node holds a session, and how another takes it over: the same on every SessionStore implementation.
describe.each(storeBackends)('SessionStore contract, leases: %s', (_name, open) => {
  let backend: StoreBackend;
  let store: SessionStore;

  beforeAll(async () => {
    backend = await open();
  });
  afterAll(() => backend.close());
  beforeEach(async () => {
    await backend.reset();
    store = backend.store();
  });

  it('should hand a session to another node only once its holder lets go, marking the interrupted turn', async () => {
    await store.create(record('a', 1), { total: 10 });
    await store.heartbeat('n1', 60_000);
    await store.claim('a', 'n1', false);
    await store.enqueue('a', OWNER, turn('t1'), 5, 2, SENDER);
    await store.enqueue('a', OWNER, turn('t2'), 5, 2, SENDER);
    await store.startNext('a', 'n1', 10);
    expect(await store.claim('a', 'n2', true)).toEqual({ state: 'held', holder: 'n1' });
    expect(await store.verify(['a'], 'n1')).toEqual({ lost: [], waiting: [] });
    expect(await store.verify(['a'], 'n2')).toEqual({ lost: ['a'], waiting: [] });
    expect(await store.orphans(Date.now(), 10)).toEqual([]);

    await store.release('a', 'n1', true);
    expect(await store.orphans(Date.now(), 10)).toEqual([]);
    await store.leave('n1');
    expect(await store.orphans(Date.now(), 10)).toEqual([{ id: 'a', from: 'n1' }]);
    expect(await store.claim('a', 'n2', true, 'n1')).toEqual({
      state: 'claimed',
      status: 'PROCESSING',
      owner: OWNER,
      interrupted: turn('t1'),
    });
    expect(await store.orphans(Date.now(), 10)).toEqual([]);
    expect((await store.get('a'))?.node).toBe('n2');
    expect(await store.verify(['a'], 'n1')).toEqual({ lost: ['a'], waiting: [] });
    expect(
      await store.finishTurn('a', 't1', { messages: [], at: 3, completed: true, status: SessionStatus.READY }),
    ).toBe(false);
    expect((await store.messages('a', 10))?.messages).toEqual([
      { role: 'user', content: 'say t1', incomplete: 'interrupted' },
    ]);
    expect(await store.startNext('a', 'n2', 10)).toMatchObject({ state: 'started', turn: turn('t2') });
    expect(await store.end('a')).toEqual({ running: turn('t2'), queued: [] });
  });

  it('should give the sessions of a node whose heartbeat lapsed to others: those with work taken, the rest let go', async () => {
    for (const id of ['busy', 'idle', 'gone']) {
      await store.create(record(id, 1), { total: 10 });
      await store.claim(id, 'n1', false);
    }
    await store.enqueue('busy', OWNER, turn('t1'), 5, 2, SENDER);
    await store.end('gone');
    expect(await store.heartbeat('n1', 1)).toBe(true);
    await waitUntil(async () => (await store.orphans(Date.now(), 10)).length === 2, 'the heartbeat to lapse');
    expect((await store.orphans(Date.now(), 10)).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'busy', from: 'n1' },
      { id: 'idle', from: 'n1' },
    ]);
    expect(await store.claim('busy', 'n2', true, 'n1')).toMatchObject({ state: 'claimed' });
    expect(await store.claim('idle', 'n2', true, 'n1')).toEqual({ state: 'idle' });
    expect(await store.orphans(Date.now(), 10)).toEqual([]);
    // Back after the lapse, it learns so at its next heartbeat: what it held is verified.
    expect(await store.heartbeat('n1', 60_000)).toBe(true);
    expect(await store.heartbeat('n1', 60_000)).toBe(false);
    expect(await store.verify(['busy', 'idle'], 'n1')).toEqual({ lost: ['busy'], waiting: [] });
    expect((await store.get('idle'))?.node).toBe('n1');
  });

  it('should name, on verifying, the held sessions where messages wait and no turn runs (a lost wake-up)', async () => {
    await store.create(record('a', 1), { total: 10 });
    await store.create(record('b', 1), { total: 10 });
    await store.claim('a', 'n1', false);
    await store.claim('b', 'n1', false);
    // Sent through another node: queued for the holder, which was not told.
    await store.enqueue('a', OWNER, turn('t1'), 5, 2, SENDER);
    await store.enqueue('b', OWNER, turn('t2'), 5, 2, SENDER);
    await store.enqueue('b', OWNER, turn('t3'), 5, 2, SENDER);
    await store.startNext('b', 'n1', 10);
    expect(await store.verify(['a', 'b'], 'n1')).toEqual({ lost: [], waiting: ['a'] });
    expect(await store.verify(['a', 'b'], 'n2')).toEqual({ lost: ['a', 'b'], waiting: [] });
    await store.startNext('a', 'n1', 10);
    expect(await store.verify(['a', 'b'], 'n1')).toEqual({ lost: [], waiting: [] });
  });

  it('should not take over a session with no work when asked only for work', async () => {
    await store.create(record('a', 1), { total: 10 });
    expect(await store.claim('a', 'n1', true)).toEqual({ state: 'idle' });
    expect(await store.claim('nope', 'n1', false)).toEqual({ state: 'missing' });
  });
});
