import { MemorySessionStore } from './memory-session.store';
import type { SessionRecord } from './session-record';
import type { SessionStore } from './session-store';

const record = (id: string, at: number): SessionRecord => ({
  id,
  created_at: at,
  last_active_at: at,
  turns: 0,
  messages: [],
});

// Every SessionStore implementation runs this same contract.
describe.each<[string, () => SessionStore]>([['memory', () => new MemorySessionStore()]])(
  'SessionStore contract: %s',
  (_name, make) => {
    let store: SessionStore;

    beforeEach(() => {
      store = make();
    });

    it('should create, get, list, count and delete sessions', async () => {
      await store.create(record('a', 1));
      await store.create(record('b', 2));
      expect(await store.get('a')).toMatchObject({ id: 'a', turns: 0, messages: [] });
      expect((await store.list(10)).records.map((r) => r.id)).toEqual(['b', 'a']);
      expect(await store.count()).toBe(2);
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect(await store.get('a')).toBeUndefined();
    });

    it('should append a turn and count it, refusing an unknown session', async () => {
      await store.create(record('a', 1));
      expect(
        await store.appendTurn(
          'a',
          [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'hello' },
          ],
          5,
        ),
      ).toBe(true);
      expect(await store.get('a')).toMatchObject({
        turns: 1,
        last_active_at: 5,
        messages: [{ content: 'hi' }, { content: 'hello' }],
      });
      expect(await store.appendTurn('nope', [], 5)).toBe(false);
    });

    it('should list as idle the sessions not touched since the cutoff', async () => {
      await store.create(record('old', 10));
      await store.create(record('new', 10));
      await store.touch('new', 100);
      expect(await store.idleSince(50)).toEqual(['old']);
    });

    it('should list newest first in pages that resume after the last key, none twice or skipped', async () => {
      for (const [id, at] of [
        ['a', 1],
        ['c', 2],
        ['b', 2],
        ['d', 3],
        ['e', 4],
      ] as const) {
        await store.create(record(id, at));
      }
      const first = await store.list(2);
      expect(first.records.map((r) => r.id)).toEqual(['e', 'd']);
      expect(first.next).toEqual({ created_at: 3, id: 'd' });
      // A session created meanwhile is newer than the cursor: it does not shift the pages after it.
      await store.create(record('f', 5));
      const second = await store.list(2, first.next);
      expect(second.records.map((r) => r.id)).toEqual(['c', 'b']);
      const third = await store.list(2, second.next);
      expect(third.records.map((r) => r.id)).toEqual(['a']);
      expect(third.next).toBeUndefined();
    });

    it('should page the history backwards from the end, oldest first within a page', async () => {
      await store.create(record('a', 1));
      const messages = Array.from({ length: 5 }, (_, i) => ({ role: 'user' as const, content: `m${i}` }));
      await store.appendTurn('a', messages, 2);
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
      expect(await store.messages('a', 2, 99)).toMatchObject({ messages: [{ content: 'm3' }, { content: 'm4' }] });
      expect(await store.messages('nope', 2)).toBeUndefined();
    });

    it('should answer ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  },
);
