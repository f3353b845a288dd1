import type { AppException } from '../../common/errors';
import type { NewStreamEvent, StreamEvent } from '../../contract/events';

export type EventListener = (event: StreamEvent) => void;
/** Called once if delivery to a subscriber breaks (the shared backend went away); nothing more follows. */
export type LostListener = (error: AppException) => void;

/**
 * Numbers a session's events, keeps the recent ones for replay, and delivers them to subscribers.
 * Ids increase by one per session, whichever node appends; appends made by one process are stored
 * in the order they were made, and each subscriber gets each event once, in id order.
 */
export abstract class SessionEventLog {
  /** Numbers and stores the event; resolves with it (and its id) once stored. */
  abstract append(event: NewStreamEvent): Promise<StreamEvent>;
  /**
   * The same, fenced: stored only while `node` holds the session (undefined when it does not), so
   * a node that lost a session to another cannot write into its log.
   */
  abstract appendAsHolder(event: NewStreamEvent, node: string): Promise<StreamEvent | undefined>;
  /** The session's session_start event, kept for as long as the session lives. */
  abstract head(sessionId: string): Promise<StreamEvent | undefined>;
  /** Retained events with an id above afterId, oldest first. */
  abstract replay(sessionId: string, afterId: number): Promise<StreamEvent[]>;
  /**
   * Delivers the events appended from now on (some earlier ones may come too: readers dedupe by
   * id); resolves, with the function that unsubscribes, once nothing can be missed.
   */
  abstract subscribe(sessionId: string, listener: EventListener, lost?: LostListener): Promise<() => void>;
  /** Forgets the session's events; its subscribers must have seen session_end first. */
  abstract drop(sessionId: string): Promise<void>;
}
