import { Observable } from 'rxjs';

import type { AppException } from '../common/errors';
import type { SessionEventLog } from './event-log/session-event-log';
import type { StreamEvent } from './events';

/** What a subscriber gets: what it missed, then what happens next (subscribe once, right away). */
export interface SessionFeed {
  backlog: StreamEvent[];
  live: Observable<StreamEvent>;
}

/**
 * The session's events for one subscriber: the backlog (session_start, or with afterId every
 * retained event after it), then its live events, none missed and none twice, completing after
 * session_end. The backlog is already in the session's log, so a transport can write it at its
 * client's pace. The live stream errors with STORE_UNAVAILABLE if the store goes away.
 */
export async function openFeed(events: SessionEventLog, sessionId: string, afterId?: number): Promise<SessionFeed> {
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
        ? await events.head(sessionId).then((head) => (head ? [head] : []))
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
