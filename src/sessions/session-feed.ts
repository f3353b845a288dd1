import { Observable } from 'rxjs';

import type { AppException } from '../common/errors';
import type { StreamEvent } from '../contract/events';
import type { SessionEventLog } from '../session-store/event-log/session-event-log';

/** What a subscriber gets: what it missed, then what happens next (subscribe once, right away). */
export interface SessionFeed {
  backlog: StreamEvent[];
  live: Observable<StreamEvent>;
}

/**
 * The session's events for one subscriber: the backlog, then its live events, none missed and none
 * twice, completing after session_end. The backlog is every retained event after `afterId`; without
 * it, session_start, followed (given the running turn the subscriber came to see) by every retained
 * event from that turn's first on, so a page opened mid-turn shows the turn so far. The backlog is
 * already in the session's log, so a transport can write it at its client's pace. The live stream
 * errors with STORE_UNAVAILABLE if the store goes away.
 */
export async function openFeed(
  events: SessionEventLog,
  sessionId: string,
  afterId?: number,
  runningTurn?: string,
): Promise<SessionFeed> {
  // Subscribe before reading the backlog, holding live events back, so none falls in between.
  const held: StreamEvent[] = [];
  let forward: ((event: StreamEvent) => void) | undefined;
  let lost: AppException | undefined;
  let fail: ((error: AppException) => void) | undefined;
  const unsubscribe = await events.subscribe(
    sessionId,
    (event) => (forward ? forward(event) : held.push(event)),
    (error) => (fail ? fail(error) : (lost = error)),
  );
  let backlog: StreamEvent[];
  try {
    backlog =
      afterId === undefined
        ? await headAndTurn(events, sessionId, runningTurn)
        : await events.replay(sessionId, afterId);
  } catch (error) {
    unsubscribe();
    throw error;
  }
  let lastId = backlog.at(-1)?.id ?? afterId ?? 0;
  const live = new Observable<StreamEvent>((subscriber) => {
    if (backlog.at(-1)?.type === 'session_end') {
      subscriber.complete();
      return unsubscribe;
    }
    if (lost) {
      subscriber.error(lost);
      return unsubscribe;
    }
    fail = (error) => subscriber.error(error);
    forward = (event) => {
      if (event.id <= lastId) {
        return;
      }
      lastId = event.id;
      subscriber.next(event);
      if (event.type === 'session_end') {
        subscriber.complete();
      }
    };
    held.splice(0).forEach(forward);
    return unsubscribe;
  });
  return { backlog, live };
}

/** session_start, and the running turn's retained events with all that followed them. */
async function headAndTurn(events: SessionEventLog, sessionId: string, turnId?: string): Promise<StreamEvent[]> {
  const [head, retained] = await Promise.all([events.head(sessionId), turnId ? events.replay(sessionId, 0) : []]);
  const from = retained.findIndex((event) => event.turn_id === turnId);
  const turn = from < 0 ? [] : retained.slice(from).filter((event) => event.id > (head?.id ?? 0));
  return head ? [head, ...turn] : turn;
}
