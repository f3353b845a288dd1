import type { NewStreamEvent, StreamEvent } from '../events';

export type EventListener = (event: StreamEvent) => void;

/**
 * Numbers a session's events, keeps the recent ones for replay, and fans them out to subscribers.
 * Ids are assigned by the process that runs the session (one turn at a time per session), so
 * append stays synchronous and ordered; a shared backend persists and relays them.
 */
export abstract class SessionEventLog {
  abstract append(event: NewStreamEvent): StreamEvent;
  /** The session's session_start event, kept for as long as the session lives. */
  abstract head(sessionId: string): Promise<StreamEvent | undefined>;
  /** Retained events with an id above afterId, oldest first. */
  abstract replay(sessionId: string, afterId: number): Promise<StreamEvent[]>;
  abstract subscribe(sessionId: string, listener: EventListener): () => void;
  abstract subscribeAll(listener: EventListener): () => void;
  /** Forgets the session's events; its subscribers must have seen session_end first. */
  abstract drop(sessionId: string): void;
}
