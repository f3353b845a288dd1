import { Injectable, Logger } from '@nestjs/common';

import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import type { EventDataMap, EventType, NewStreamEvent, SessionEndReason, StreamEvent } from '../contract/events';
import { SessionStatus } from '../contract/session-status';
import { SessionEventLog } from '../session-store/event-log/session-event-log';
import { SessionStore } from '../session-store/session-store';
import type { EndedSession, QueuedTurn } from '../session-store/session-store';
import type { SessionRuntime } from './session-runtime';

const stamped = <K extends EventType>(
  sessionId: string,
  turnId: string | null,
  type: K,
  data: EventDataMap[K],
): NewStreamEvent =>
  ({ type, session_id: sessionId, turn_id: turnId, ts: new Date().toISOString(), data }) as NewStreamEvent;

/** The one place events are stamped and appended to a session's log. */
@Injectable()
export class SessionEventPublisher {
  private readonly logger = new Logger(SessionEventPublisher.name);

  constructor(
    private readonly log: SessionEventLog,
    private readonly store: SessionStore,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Appends an event of a session this node holds; nothing once it ended or moved (the append is
   * fenced by the session's lease). Appends are stored in call order, so callers need not wait; a
   * failure (the store is away, the session was lost) stops the running turn and resolves undefined.
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
    return this.log.appendAsHolder(stamped(runtime.id, turnId, type, data), this.config.NODE_ID).then(
      (stored) => {
        if (!stored) {
          this.stop(
            runtime,
            type,
            new AppException(ErrorCode.TURN_INTERRUPTED, `Session ${runtime.id} moved to another node`),
          );
        }
        return stored;
      },
      (error: Error) => {
        this.stop(runtime, type, error);
        return undefined;
      },
    );
  }

  /** Appends an event whatever holds the session (its end); throws if it cannot be stored. */
  append<K extends EventType>(sessionId: string, turnId: string | null, type: K, data: EventDataMap[K]) {
    return this.log.append(stamped(sessionId, turnId, type, data));
  }

  /**
   * A turn's last events, its answer (or error) then its status if that changed, for the store to
   * append as it records the turn's end (TurnEnd.events).
   */
  endOfTurn<K extends 'final_response' | 'error'>(
    runtime: SessionRuntime,
    turnId: string,
    type: K,
    data: EventDataMap[K],
    status: SessionStatus,
  ): NewStreamEvent[] {
    const events = [stamped(runtime.id, turnId, type, data)];
    if (runtime.status !== status) {
      runtime.status = status;
      events.push(stamped(runtime.id, turnId, 'status', { status }));
    }
    return events;
  }

  /**
   * The last events of an ended session: an error for its running turn and each queued one (that
   * turn's last word), then session_end. Returns the error, for the running turn's abort.
   */
  async publishEnd(sessionId: string, ended: EndedSession, reason: SessionEndReason): Promise<AppException> {
    const failure =
      reason === 'shutdown'
        ? new AppException(ErrorCode.SERVER_SHUTDOWN, `The server is shutting down; session ${sessionId} ended`)
        : new AppException(ErrorCode.SESSION_ENDED, `Session ${sessionId} ended (${reason})`);
    const unfinished = [ended.running, ...ended.queued].filter((turn): turn is QueuedTurn => turn !== undefined);
    const data = { code: failure.code, message: failure.message, session_usable: false };
    await Promise.all([
      ...unfinished.map((turn) => this.append(sessionId, turn.turn_id, 'error', data)),
      this.append(sessionId, null, 'session_end', { reason }),
    ]);
    return failure;
  }

  /**
   * A turn whose node stopped before it ended, found by the node taking the session over: its error
   * (the session goes on), and the session's status.
   */
  publishInterrupted(runtime: SessionRuntime, turnId: string): void {
    this.logger.warn({
      msg: `Session ${runtime.id} taken over by node ${this.config.NODE_ID}; turn ${turnId} was interrupted`,
      session_id: runtime.id,
      turn_id: turnId,
    });
    void this.publish(runtime, turnId, 'error', {
      code: ErrorCode.TURN_INTERRUPTED,
      message: 'The node running this turn stopped before it ended; the session goes on, send the message again',
      session_usable: true,
    });
    runtime.status = SessionStatus.PROCESSING;
    this.setStatus(runtime, SessionStatus.ERROR, turnId);
  }

  /** Nobody would see the rest of the turn: it stops rather than run on with the LLM and tools. */
  private stop(runtime: SessionRuntime, type: EventType, reason: Error): void {
    this.logger.warn({
      msg: `Event ${type} of session ${runtime.id} was not stored: ${reason.message}`,
      session_id: runtime.id,
      turn_id: runtime.running?.turnId,
    });
    runtime.running?.controller.abort(reason);
  }

  /** Publishes a change of status; `persist: false` when the store has recorded it already (a turn's start and end). */
  setStatus(runtime: SessionRuntime, status: SessionStatus, turnId: string | null = null, persist = true): void {
    if (runtime.status !== status && !runtime.ended) {
      runtime.status = status;
      void this.publish(runtime, turnId, 'status', { status });
      if (!persist) {
        return;
      }
      this.store
        .setStatus(runtime.id, status)
        .catch((error: Error) => this.logger.warn(`Status of session ${runtime.id} was not stored: ${error.message}`));
    }
  }
}
