import { Injectable } from '@nestjs/common';

import { SessionEventLog } from './event-log/session-event-log';
import type { EventDataMap, EventType, NewStreamEvent, SessionStatus, StreamEvent } from './events';
import type { SessionRuntime } from './session-runtime';

/** The one place events are stamped and appended to a session's log. */
@Injectable()
export class SessionEventPublisher {
  constructor(private readonly log: SessionEventLog) {}

  /** Appends the event; nothing is published for a session that has already ended. */
  publish<K extends EventType>(
    runtime: SessionRuntime,
    turnId: string | null,
    type: K,
    data: EventDataMap[K],
  ): StreamEvent | undefined {
    if (runtime.ended && type !== 'session_end') {
      return undefined;
    }
    const event = { type, session_id: runtime.id, turn_id: turnId, ts: new Date().toISOString(), data };
    return this.log.append(event as NewStreamEvent);
  }

  setStatus(runtime: SessionRuntime, status: SessionStatus, turnId: string | null = null): void {
    if (runtime.status !== status) {
      runtime.status = status;
      this.publish(runtime, turnId, 'status', { status });
    }
  }
}
