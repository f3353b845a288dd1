import type { ChatMessage, SessionRecord } from './session-record';

/**
 * Where sessions and their history live. One implementation per backend; the memory store is the
 * default, and every implementation passes the same contract spec.
 */
export abstract class SessionStore {
  abstract create(record: SessionRecord): Promise<void>;
  /** The record, or undefined when there is no such session. Callers must not mutate it. */
  abstract get(id: string): Promise<Readonly<SessionRecord> | undefined>;
  abstract list(): Promise<Readonly<SessionRecord>[]>;
  abstract count(): Promise<number>;
  /** Appends a finished turn's messages and counts the turn; false when the session is gone. */
  abstract appendTurn(id: string, messages: ChatMessage[], at: number): Promise<boolean>;
  abstract touch(id: string, at: number): Promise<void>;
  abstract delete(id: string): Promise<boolean>;
  /** Ids of sessions whose last activity is at or before the cutoff. */
  abstract idleSince(cutoff: number): Promise<string[]>;
  /** Throws when the backend cannot be reached; used by the health check. */
  abstract ping(): Promise<void>;
}
