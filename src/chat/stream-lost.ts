import type { AppException } from '../common/errors';
import type { StreamEvent } from '../contract/events';

/**
 * The last thing a stream sends when the session's events can no longer reach it (the shared
 * store went away): an `error` event carrying the id of the last event sent, so a client that
 * resumes from the last id it saw neither misses nor repeats anything.
 */
export function streamLost(sessionId: string, lastId: number, error: AppException): StreamEvent {
  return {
    id: lastId,
    type: 'error',
    session_id: sessionId,
    turn_id: null,
    ts: new Date().toISOString(),
    data: { code: error.code, message: `${error.message}; reconnect with your last event id`, session_usable: true },
  };
}
