import { Injectable, Logger } from '@nestjs/common';

import { SessionEventLog } from './event-log/session-event-log';
import type { EventDataMap, EventType, NewStreamEvent, SessionStatus, StreamEvent } from './events';
import type { SessionRuntime } from './session-runtime';
import { SessionStore } from './store/session-store';

/** The one place events are stamped and appended to a session's log. */
@Injectable()
export class SessionEventPublisher {
  private readonly logger = new Logger(SessionEventPublisher.name);

  constructor(
    private readonly log: SessionEventLog,
    private readonly store: SessionStore,
  ) {}

  /**
   * Appends an event of a session this node holds; nothing once it ended or moved. Appends are
   * stored in call order, so callers need not wait; a failure (the store is away) is logged and
   * the returned promise resolves to undefined.
   */
  publish<K extends EventType>(
    runtime: SessionRuntime,
    turnId: string | null,
    type: K,
    data: EventDataMap[K],
  ): Promise<StreamEvent | undefined> {
    if (runtime.ended) {
      return Promise.resolve(undefined);
    }
    return this.append(runtime.id, turnId, type, data).catch((error: Error) => {
      this.logger.warn(`Event ${type} of session ${runtime.id} was not stored: ${error.message}`);
      // Nobody would see the rest of the turn: it stops rather than run on with the LLM and tools.
      runtime.running?.controller.abort(error);
      return undefined;
    });
  }

  /** Appends an event whatever holds the session (its end); throws if it cannot be stored. */
  append<K extends EventType>(sessionId: string, turnId: string | null, type: K, data: EventDataMap[K]) {
    const event = { type, session_id: sessionId, turn_id: turnId, ts: new Date().toISOString(), data };
    return this.log.append(event as NewStreamEvent);
  }

  setStatus(runtime: SessionRuntime, status: SessionStatus, turnId: string | null = null): void {
    if (runtime.status !== status && !runtime.ended) {
      runtime.status = status;
      void this.publish(runtime, turnId, 'status', { status });
      this.store
        .setStatus(runtime.id, status)
        .catch((error: Error) => this.logger.warn(`Status of session ${runtime.id} was not stored: ${error.message}`));
    }
  }
}
