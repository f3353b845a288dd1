import type { ChatMessage, SessionRecord } from './session-record';

/** Where a listing resumes: sessions are listed newest first, by (created_at, id). */
export interface SessionKey {
  created_at: number;
  id: string;
}

export interface SessionPage {
  records: Readonly<SessionRecord>[];
  /** The key of the last record when more may follow. */
  next?: SessionKey;
}

export interface MessagePage {
  /** Oldest first: messages [start, before) of the history. */
  messages: ChatMessage[];
  /** Messages in the whole history. */
  total: number;
  /** Where the previous (older) page ends, or null when this page starts the history. */
  next_before: number | null;
}

/**
 * Where sessions and their history live. One implementation per backend; the memory store is the
 * default, and every implementation passes the same contract spec.
 */
export abstract class SessionStore {
  abstract create(record: SessionRecord): Promise<void>;
  /** The record, or undefined when there is no such session. Callers must not mutate it. */
  abstract get(id: string): Promise<Readonly<SessionRecord> | undefined>;
  /** Up to `limit` sessions, newest first, after `after` when given. */
  abstract list(limit: number, after?: SessionKey): Promise<SessionPage>;
  /** Up to `limit` messages ending before index `before` (default: the end); undefined for no session. */
  abstract messages(id: string, limit: number, before?: number): Promise<MessagePage | undefined>;
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

/** Newest first: a later creation, then the larger id, comes first. */
export const newestFirst = (a: SessionKey, b: SessionKey): number =>
  b.created_at - a.created_at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);

/** A page of [start, before) from a history of `total` messages. */
export function pageBounds(total: number, limit: number, before = total): { start: number; end: number } {
  const end = Math.min(Math.max(before, 0), total);
  return { start: Math.max(end - limit, 0), end };
}
