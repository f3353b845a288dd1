import type { NewStreamEvent, StreamEvent } from '../events';
import { SessionStatus } from '../events';
import { MemorySessionEventLog } from './memory-session-event-log';
import type { SessionEventLog } from './session-event-log';

const start = (session: string): NewStreamEvent => ({
  type: 'session_start',
  session_id: session,
  turn_id: null,
  ts: 't',
  data: { created_at: 't', status: SessionStatus.IDLE },
});
const delta = (session: string, text: string): NewStreamEvent => ({
  type: 'partial_response',
  session_id: session,
  turn_id: 'turn',
  ts: 't',
  data: { iteration: 1, delta: text },
});

// Every SessionEventLog implementation runs this same contract.
describe.each<[string, (limit: number) => SessionEventLog]>([['memory', (limit) => new MemorySessionEventLog(limit)]])(
  'SessionEventLog contract: %s',
  (_name, make) => {
    it('should number events per session from 1 and deliver them to subscribers in order', () => {
      const log = make(100);
      const seen: StreamEvent[] = [];
      const all: StreamEvent[] = [];
      log.subscribe('a', (event) => seen.push(event));
      log.subscribeAll((event) => all.push(event));
      log.append(start('a'));
      log.append(start('b'));
      log.append(delta('a', 'x'));
      expect(seen.map((e) => [e.session_id, e.id])).toEqual([
        ['a', 1],
        ['a', 2],
      ]);
      expect(all.map((e) => `${e.session_id}${e.id}`)).toEqual(['a1', 'b1', 'a2']);
    });

    it('should replay the retained events after an id and keep session_start as the head', async () => {
      const log = make(10);
      log.append(start('a'));
      for (let i = 0; i < 30; i++) {
        log.append(delta('a', String(i)));
      }
      expect((await log.head('a'))?.type).toBe('session_start');
      const replay = await log.replay('a', 25);
      expect(replay.map((e) => e.id)).toEqual([26, 27, 28, 29, 30, 31]);
      expect((await log.replay('a', 0)).length).toBeLessThanOrEqual(13);
    });

    it('should stop delivering after unsubscribe, and forget a dropped session', async () => {
      const log = make(10);
      const seen: StreamEvent[] = [];
      const unsubscribe = log.subscribe('a', (event) => seen.push(event));
      log.append(start('a'));
      unsubscribe();
      log.append(delta('a', 'x'));
      expect(seen).toHaveLength(1);
      log.drop('a');
      expect(await log.head('a')).toBeUndefined();
      expect(await log.replay('a', 0)).toEqual([]);
    });

    it('should keep delivering to the others when one subscriber throws', () => {
      const log = make(10);
      const seen: StreamEvent[] = [];
      log.subscribe('a', () => {
        throw new Error('broken subscriber');
      });
      log.subscribe('a', (event) => seen.push(event));
      log.append(start('a'));
      expect(seen).toHaveLength(1);
    });
  },
);
