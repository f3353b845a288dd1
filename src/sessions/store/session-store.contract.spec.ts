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
      expect((await store.list()).map((r) => r.id).sort()).toEqual(['a', 'b']);
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

    it('should answer ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  },
);
