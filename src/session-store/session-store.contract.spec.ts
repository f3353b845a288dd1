import {
  OWNER,
  QUEUING_SENDER as SENDER,
  storeBackends,
  storedRecord as record,
} from '../../test/helpers/session-store-backends';
import type { StoreBackend } from '../../test/helpers/session-store-backends';
import type { NewStreamEvent } from '../contract/events';
import { SessionStatus } from '../contract/session-status';
import type { SessionStore } from './session-store';

const turn = (id: string) => ({ turn_id: id, content: `say ${id}` });

// Every SessionStore implementation runs this same contract.
describe.each(storeBackends)('SessionStore contract: %s', (_name, open) => {
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

  it('should create, get, list, count and end sessions, ending each once', async () => {
    expect(await store.create(record('a', 1), { total: 10 })).toBe('created');
    expect(await store.create(record('b', 2), { total: 10 })).toBe('created');
    expect(await store.get('a')).toEqual({ ...record('a', 1), running: undefined, title: undefined, node: undefined });
    expect((await store.list(10)).records.map((r) => r.id)).toEqual(['b', 'a']);
    expect(await store.count()).toBe(2);
    expect(await store.end('a')).toEqual({ running: undefined, queued: [] });
    expect(await store.end('a')).toBeUndefined();
    expect(await store.get('a')).toBeUndefined();
    expect(await store.count()).toBe(1);
  });

  it('should refuse a session past maxSessions, also when creates race', async () => {
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.create(record(`s${i}`, i), { total: 3 })),
    );
    expect(created.filter((outcome) => outcome === 'created')).toHaveLength(3);
    expect(created.filter((outcome) => outcome === 'too_many')).toHaveLength(5);
    expect(await store.count()).toBe(3);
  });

  it("should list, count and queue only an owner's own sessions, and bound each owner's", async () => {
    const limits = { total: 10, perOwner: 2 };
    expect(await store.create(record('a1', 1), limits)).toBe('created');
    expect(await store.create(record('b1', 2, 'bob'), limits)).toBe('created');
    expect(await store.create(record('a2', 3), limits)).toBe('created');
    expect(await store.create(record('a3', 4), limits)).toBe('too_many_for_owner');
    expect(await store.get('a3')).toBeUndefined();
    expect((await store.list(10, undefined, OWNER)).records.map((r) => r.id)).toEqual(['a2', 'a1']);
    expect((await store.list(10, undefined, 'bob')).records.map((r) => r.id)).toEqual(['b1']);
    expect((await store.list(10)).records.map((r) => r.id)).toEqual(['a2', 'b1', 'a1']);
    // Someone else's session is missing to them, in the same atomic step that would queue.
    expect(await store.enqueue('b1', OWNER, turn('t1'), 5, 5, SENDER)).toEqual({ admitted: false, reason: 'missing' });
    expect(await store.get('b1')).toMatchObject({ queued: 0, owner: 'bob' });
    // An ended session leaves its owner's listing and count.
    await store.end('a1');
    expect((await store.list(10, undefined, OWNER)).records.map((r) => r.id)).toEqual(['a2']);
    expect(await store.create(record('a4', 5), limits)).toBe('created');
    expect(await store.claim('a4', 'n1', false)).toMatchObject({ state: 'claimed', owner: OWNER });
  });

  it('should queue up to the limit behind a running turn and run turns in order on the holder', async () => {
    await store.create(record('a', 1), { total: 10 });
    expect(await store.claim('a', 'n1', false)).toEqual({ state: 'claimed', status: 'IDLE', owner: OWNER });
    expect(await store.enqueue('a', OWNER, turn('t1'), 1, 5, SENDER)).toMatchObject({
      admitted: true,
      waiting: 1,
      holder: 'n1',
    });
    expect(await store.startNext('a', 'n2', 10)).toEqual({ state: 'lost' });
    expect(await store.startNext('a', 'n1', 10)).toEqual({
      state: 'started',
      turn: turn('t1'),
      recent: { messages: [], total: 0, next_before: null },
      disabled: [],
    });
    expect(await store.startNext('a', 'n1', 10)).toEqual({ state: 'idle' });
    expect(await store.enqueue('a', OWNER, turn('t2'), 1, 6, SENDER)).toMatchObject({ admitted: true, waiting: 1 });
    expect(await store.enqueue('a', OWNER, turn('t3'), 1, 6, SENDER)).toEqual({
      admitted: false,
      reason: 'full',
      waiting: 1,
    });
    expect(await store.enqueue('nope', OWNER, turn('t4'), 1, 6, SENDER)).toEqual({
      admitted: false,
      reason: 'missing',
    });
    expect(await store.get('a')).toMatchObject({ running: 't1', queued: 1, last_active_at: 6 });

    const messages = [
      { role: 'user' as const, content: 'say t1' },
      { role: 'assistant' as const, content: 'done' },
    ];
    expect(
      await store.finishTurn('a', 't2', { messages: messages, at: 7, completed: true, status: SessionStatus.READY }),
    ).toBe(false);
    expect(
      await store.finishTurn('a', 't1', { messages: messages, at: 7, completed: true, status: SessionStatus.READY }),
    ).toEqual({ events: [] });
    expect(await store.startNext('a', 'n1', 1)).toEqual({
      state: 'started',
      turn: turn('t2'),
      recent: { messages: [messages[1]], total: 2, next_before: 1 },
      disabled: [],
    });
    const kept = [{ role: 'user' as const, content: 'say t2', incomplete: 'cancelled' as const }];
    expect(
      await store.finishTurn('a', 't2', { messages: kept, at: 8, completed: false, status: SessionStatus.ERROR }),
    ).toEqual({ events: [] });
    expect(await store.get('a')).toMatchObject({
      turns: 1,
      message_count: 3,
      title: 'say t1',
      queued: 0,
      status: 'ERROR',
    });
    expect((await store.messages('a', 10))?.messages).toEqual([...messages, ...kept]);
  });

  it('should start the next queued turn as a turn ends, for its holder only, without history', async () => {
    await store.create(record('a', 1), { total: 10 });
    await store.claim('a', 'n1', false);
    for (const id of ['t1', 't2', 't3']) {
      await store.enqueue('a', OWNER, turn(id), 5, 2, SENDER);
    }
    await store.startNext('a', 'n1', 10);
    const said = [{ role: 'user' as const, content: 'say t1' }];
    const end = { messages: said, at: 3, completed: true, status: SessionStatus.READY };
    expect(await store.finishTurn('a', 't1', { ...end, next: 'n1' })).toEqual({
      next: { turn: turn('t2'), recent: { messages: [], total: 1, next_before: 1 }, disabled: [] },
      events: [],
    });
    expect(await store.get('a')).toMatchObject({ running: 't2', queued: 1, status: 'PROCESSING', turns: 1 });
    // Not its holder: the turn ends, and the next one waits.
    expect(await store.finishTurn('a', 't2', { ...end, messages: [], next: 'n2' })).toEqual({ events: [] });
    expect(await store.get('a')).toMatchObject({ running: undefined, queued: 1, status: 'READY', turns: 2 });
    expect(await store.startNext('a', 'n1', 0)).toMatchObject({ state: 'started', turn: turn('t3') });
    expect(await store.finishTurn('a', 't3', { ...end, next: 'n1' })).toEqual({ events: [] });
    expect(await store.get('a')).toMatchObject({ running: undefined, queued: 0, status: 'READY', message_count: 2 });
  });

  it("should append a turn's last events as it ends, after the session's earlier events, and none once it is not running", async () => {
    const log = backend.log();
    await store.create(record('a', 1), { total: 10 });
    await store.claim('a', 'n1', false);
    await store.enqueue('a', OWNER, turn('t1'), 5, 2, SENDER);
    await store.startNext('a', 'n1', 10);
    const event = (type: 'status' | 'final_response', data: object) =>
      ({ type, session_id: 'a', turn_id: 't1', ts: 'now', data }) as NewStreamEvent;
    // Appended, and not waited for: the turn's end still comes after it.
    void log.appendAsHolder(event('status', { status: SessionStatus.PROCESSING }), 'n1');
    const last = [
      event('final_response', { content: 'done', iterations: 1, max_iterations_reached: false }),
      event('status', { status: SessionStatus.READY }),
    ];
    const end = { messages: [], at: 3, completed: true, status: SessionStatus.READY, events: last };
    expect(await store.finishTurn('a', 't1', end)).toEqual({ events: last.map((e, i) => ({ id: i + 2, ...e })) });
    expect((await log.replay('a', 0)).map((e) => [e.id, e.type])).toEqual([
      [1, 'status'],
      [2, 'final_response'],
      [3, 'status'],
    ]);
    expect(await store.finishTurn('a', 't1', end)).toBe(false);
    expect(await log.replay('a', 3)).toEqual([]);
  });

  it('should start a message at once when its sender holds the idle session, and queue it otherwise', async () => {
    await store.create(record('a', 1), { total: 10 });
    await store.claim('a', 'n1', false);
    const runner = { node: 'n1', idle: true, historyLimit: 10 };
    expect(
      await store.enqueue('a', OWNER, turn('t1'), 5, 2, { node: 'n2', idle: true, historyLimit: 10 }),
    ).toMatchObject({
      waiting: 1,
      holder: 'n1',
    });
    expect(await store.startNext('a', 'n1', 10)).toMatchObject({ state: 'started', turn: turn('t1') });
    // A turn runs: the next message waits, even from the holder.
    expect(await store.enqueue('a', OWNER, turn('t2'), 5, 3, runner)).toEqual({
      admitted: true,
      waiting: 1,
      holder: 'n1',
      told: false,
    });
    await store.finishTurn('a', 't1', { messages: [], at: 4, completed: true, status: SessionStatus.READY });
    await store.startNext('a', 'n1', 10);
    await store.finishTurn('a', 't2', { messages: [], at: 5, completed: true, status: SessionStatus.READY });
    expect(await store.enqueue('a', OWNER, turn('t3'), 5, 6, runner)).toEqual({
      admitted: true,
      started: { turn: turn('t3'), recent: { messages: [], total: 0, next_before: null }, disabled: [] },
    });
    expect(await store.get('a')).toMatchObject({ running: 't3', queued: 0, status: 'PROCESSING' });
  });

  it('should end a session for the idle sweep only while it is still idle, checked as it ends', async () => {
    for (const id of ['idle', 'queued', 'running', 'touched']) {
      await store.create(record(id, 10), { total: 10 });
    }
    await store.claim('running', 'n1', false);
    await store.enqueue('queued', OWNER, turn('t1'), 5, 10, SENDER);
    await store.enqueue('running', OWNER, turn('t2'), 5, 10, SENDER);
    await store.startNext('running', 'n1', 10);
    // A message accepted after the sweep read the record: the session was active after the cutoff.
    await store.claim('touched', 'n1', false);
    await store.enqueue('touched', OWNER, turn('t3'), 5, 60, SENDER);
    await store.startNext('touched', 'n1', 10);
    await store.finishTurn('touched', 't3', { messages: [], at: 60, completed: true, status: SessionStatus.READY });
    expect(await store.get('touched')).toMatchObject({ running: undefined, queued: 0, last_active_at: 60 });

    for (const id of ['queued', 'running', 'touched']) {
      expect(await store.end(id, 50)).toBe('active');
      expect(await store.get(id)).toBeDefined();
    }
    expect(await store.end('idle', 50)).toEqual({ running: undefined, queued: [] });
    expect(await store.end('idle', 50)).toBeUndefined();
    expect(await store.end('touched')).toMatchObject({ queued: [] });
    expect((await store.list(10)).records.map((r) => r.id).sort()).toEqual(['queued', 'running']);
  });

  it('should forget index entries of sessions already gone, and nothing else', async () => {
    await store.create(record('a', 1), { total: 10 });
    await store.forget(['gone', 'also-gone']);
    expect(await store.count()).toBe(1);
    expect((await store.list(10)).records.map((r) => r.id)).toEqual(['a']);
  });

  it('should store the status and list as idle, idlest first, the sessions not active since the cutoff', async () => {
    await store.create(record('old', 10), { total: 10 });
    await store.create(record('older', 5), { total: 10 });
    await store.create(record('new', 10), { total: 10 });
    await store.enqueue('new', OWNER, turn('t1'), 5, 100, SENDER);
    await store.setStatus('new', SessionStatus.READY);
    expect(await store.idleSince(50, 10)).toEqual(['older', 'old']);
    expect(await store.idleSince(50, 1)).toEqual(['older']);
    expect((await store.get('new'))?.status).toBe('READY');
    await store.setStatus('gone', SessionStatus.READY);
    expect(await store.get('gone')).toBeUndefined();
  });

  it('should list newest first in pages that resume after the last key, none twice or skipped', async () => {
    for (const [id, at] of [
      ['a', 1],
      ['c', 2],
      ['b', 2],
      ['d', 3],
      ['e', 4],
    ] as const) {
      await store.create(record(id, at), { total: 10 });
    }
    const first = await store.list(2);
    expect(first.records.map((r) => r.id)).toEqual(['e', 'd']);
    expect(first.next).toEqual({ created_at: 3, id: 'd' });
    // A session created meanwhile is newer than the cursor: it does not shift the pages after it.
    await store.create(record('f', 5), { total: 10 });
    const second = await store.list(2, first.next);
    expect(second.records.map((r) => r.id)).toEqual(['c', 'b']);
    const third = await store.list(2, second.next);
    expect(third.records.map((r) => r.id)).toEqual(['a']);
    expect(third.next).toBeUndefined();
  });

  it('should page the history backwards from the end, oldest first within a page', async () => {
    await store.create(record('a', 1), { total: 10 });
    await store.claim('a', 'n1', false);
    await store.enqueue('a', OWNER, turn('t1'), 5, 2, SENDER);
    await store.startNext('a', 'n1', 10);
    const messages = Array.from({ length: 5 }, (_, i) => ({ role: 'user' as const, content: `m${i}` }));
    await store.finishTurn('a', 't1', { messages: messages, at: 2, completed: true, status: SessionStatus.READY });
    const last = await store.messages('a', 2);
    expect(last).toEqual({
      messages: [
        { role: 'user', content: 'm3' },
        { role: 'user', content: 'm4' },
      ],
      total: 5,
      next_before: 3,
    });
    const earlier = await store.messages('a', 2, last?.next_before ?? undefined);
    expect(earlier?.messages.map((m) => m.content)).toEqual(['m1', 'm2']);
    const first = await store.messages('a', 2, 1);
    expect(first).toMatchObject({ messages: [{ content: 'm0' }], next_before: null });
    expect(await store.messages('a', 2, 0)).toEqual({ messages: [], total: 5, next_before: null });
    expect(await store.messages('a', 2, 99)).toMatchObject({ messages: [{ content: 'm3' }, { content: 'm4' }] });
    expect(await store.messages('nope', 2)).toBeUndefined();
  });

  it('should answer ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
