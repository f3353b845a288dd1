import type { TraceCarrier } from '../common/tracing';
import type { NewStreamEvent, StreamEvent } from '../contract/events';
import { isConversation } from '../contract/session-record';
import type { ChatMessage, SessionRecord } from '../contract/session-record';
import type { SessionStatus } from '../contract/session-status';

/** Where a listing resumes: sessions are listed newest first, by (created_at, id). */
export interface SessionKey {
  created_at: number;
  id: string;
}

export interface SessionPage {
  records: SessionRecord[];
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

/** A message accepted into a session's queue; it becomes the session's running turn in order. */
export interface QueuedTurn {
  turn_id: string;
  content: string;
  /** Regenerate (or edit) the session's last turn: it stays in the history, replaced. */
  replace_last?: boolean;
  /** MCP resources to read when the turn starts, as context for the model. */
  attachments?: AttachmentRef[];
  /** The trace of the request that sent it, which the turn's span continues on whichever node runs it. */
  trace?: TraceCarrier;
}

/** What a message may carry besides its words. */
export type TurnOptions = Pick<QueuedTurn, 'replace_last' | 'attachments' | 'trace'>;

export interface AttachmentRef {
  server: string;
  uri: string;
}

/** The turn under way and the messages waiting behind it, oldest first. */
export interface PendingTurns {
  running?: QueuedTurn;
  queued: QueuedTurn[];
}

/** What the owner may change about a session. */
export interface SessionChanges {
  title?: string;
  disabled_tools?: string[];
  /** The model from the next turn on (an id the caller checked). */
  model?: string;
}

/** The node sending a message. */
export interface Sender {
  node: string;
  /** It holds the session and runs nothing there now: a message that waits for nothing starts at once. */
  idle: boolean;
  /** Messages of history returned with a turn started at once. */
  historyLimit: number;
}

/** How many sessions may live: in all, and per owner (no per-owner bound when undefined). */
export interface SessionLimits {
  total: number;
  perOwner?: number;
}

export type Creation = 'created' | 'too_many' | 'too_many_for_owner';

/** A turn that became the running one, with what it starts from. */
export interface StartedTurn {
  turn: QueuedTurn;
  /** The latest messages of the history, what the turn's prompt starts from. */
  recent: MessagePage;
  /** The session's `disabled_tools`. */
  disabled: string[];
  /** The session's model id, as it stood when the turn started; unset: the default. */
  model?: string;
}

export type Admission =
  /** Started: the message is the session's running turn already (only for an idle sender). */
  | { admitted: true; started: StartedTurn }
  /** Queued; `told`: the holder, another node, was told already. */
  | { admitted: true; started?: undefined; waiting: number; holder?: string; told: boolean }
  | { admitted: false; reason: 'missing' }
  | { admitted: false; reason: 'full'; waiting: number };

export type NextTurn =
  | ({ state: 'started' } & StartedTurn)
  /** Nothing queued, or a turn already running. */
  | { state: 'idle' }
  /** This node no longer holds the session. */
  | { state: 'lost' };

export type Claim =
  | { state: 'claimed'; status: SessionStatus; owner: string; interrupted?: QueuedTurn }
  | { state: 'held'; holder: string }
  /** No work to take over (only when asked for sessions with work). */
  | { state: 'idle' }
  | { state: 'missing' };

/** What a turn leaves behind when it ends. */
export interface TurnEnd {
  messages: ChatMessage[];
  at: number;
  /** False for a turn that did not complete: it is not counted in `turns`. */
  completed: boolean;
  status: SessionStatus;
  /**
   * The node (its holder, keeping the history) for which the next queued turn starts in the same
   * step, returned without history; unset: the next turn waits for startNext.
   */
  next?: string;
  /**
   * The turn's last events (its answer or error, the status), appended to the session's event log in
   * the same step, after every event appended to it before; none when the turn is no longer running.
   */
  events?: NewStreamEvent[];
  /**
   * The turn's tokens, added to a usage hash in the same step (one Redis, where the keys allow),
   * whether or not the turn is still the running one: they were spent either way.
   */
  usage?: FoldedUsage;
}

/** A turn's tokens as the Redis store folds them into the turn's end: the usage store's hash and fields. */
export interface FoldedUsage {
  /** The principal's day hash (RedisKeys.usage). */
  key: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  /** When the day's hash expires (epoch ms), set with a model's first turn of the day. */
  expireAt: number;
}

/**
 * A turn's end as recorded: false when it was no longer the running turn; else its last events as
 * stored, and the turn started next, if asked and any.
 */
export type FinishedTurn = false | { next?: StartedTurn; events: StreamEvent[] };

export interface EndedSession {
  running?: QueuedTurn;
  queued: QueuedTurn[];
}

/**
 * Where sessions live: records, their append-only history, their turn queue, and which node holds
 * each one (its lease). Every multi-step change is atomic per session. The memory store serves one
 * node; every implementation passes the same contract spec.
 */
export abstract class SessionStore {
  /** True when other nodes share the store: sessions then outlive this process. */
  abstract readonly shared: boolean;

  /** Stores the session unless a limit is reached (then nothing is stored). */
  abstract create(record: SessionRecord, limits: SessionLimits): Promise<Creation>;
  abstract get(id: string): Promise<SessionRecord | undefined>;
  /** Up to `limit` sessions (only `owner`'s when given), newest first, after `after` when given. */
  abstract list(limit: number, after?: SessionKey, owner?: string): Promise<SessionPage>;
  abstract count(): Promise<number>;
  /** Up to `limit` messages ending before index `before` (default: the end); undefined for no session. */
  abstract messages(id: string, limit: number, before?: number): Promise<MessagePage | undefined>;
  abstract setStatus(id: string, status: SessionStatus): Promise<void>;
  /** The running turn and the queued ones; undefined for no session. */
  abstract pending(id: string): Promise<PendingTurns | undefined>;
  /** Applies the changes to a live session; false when there is none. */
  abstract change(id: string, changes: SessionChanges): Promise<boolean>;

  /**
   * Queues a message unless `limit` already wait behind a running turn, and says who holds the
   * session (a shared store tells that node itself). With an idle sender that holds the session, a
   * message that would wait for nothing starts at once. A session `owner` does not own is missing.
   */
  abstract enqueue(
    id: string,
    owner: string,
    turn: QueuedTurn,
    limit: number,
    at: number,
    sender: Sender,
  ): Promise<Admission>;
  /**
   * Makes the next queued message the running turn (status PROCESSING), if `node` holds the
   * session and none runs; with it come the latest `historyLimit` messages, so a turn needs no
   * second read to start.
   */
  abstract startNext(id: string, node: string, historyLimit: number): Promise<NextTurn>;
  /**
   * Ends the running turn `turnId`: appends its messages, counts it when completed, sets the
   * session's status and (with `end.next`) starts the next queued turn, in one step. False when it
   * is no longer the running turn (the session ended, or another node took it over).
   */
  abstract finishTurn(id: string, turnId: string, end: TurnEnd): Promise<FinishedTurn>;
  /**
   * Deletes the session; what was running and queued is returned to the one caller that ended it.
   * With `idleBefore` (the idle sweep's cutoff) it ends only a session still idle, checked in the same
   * atomic step: one with a turn running or queued, or active after the cutoff, is kept (`'active'`).
   */
  abstract end(id: string, idleBefore?: number): Promise<EndedSession | 'active' | undefined>;
  /**
   * Takes out of every index these sessions whose record is gone (in Redis, their keys expired while
   * no node swept them), so they never count against a limit again.
   */
  abstract forget(ids: string[]): Promise<void>;
  /** Ids of up to `limit` sessions whose last activity is at or before the cutoff, the idlest first. */
  abstract idleSince(cutoff: number, limit: number): Promise<string[]>;

  /**
   * Takes the session's lease for `node` unless another (live) node holds it; `from` names a holder
   * the caller found dead (see orphans()), whose lease counts as free. A turn left running by a
   * previous holder is recorded as interrupted (its user message kept, marked) and returned.
   */
  abstract claim(id: string, node: string, onlyWithWork: boolean, from?: string): Promise<Claim>;
  /**
   * Keeps `node` alive for `ttlMs`: one write, whatever it holds. True when its previous heartbeat
   * had lapsed (or there was none): other nodes may have taken its sessions, so it verifies them.
   */
  abstract heartbeat(node: string, ttlMs: number): Promise<boolean>;
  /**
   * Checks leases `node` believes it holds, takes back those let go of that nobody took, and keeps
   * their records from expiring: the ids it no longer holds (`lost`), and those where messages wait
   * with no turn running (`waiting`: a wake-up that never arrived).
   */
  abstract verify(ids: string[], node: string): Promise<Renewal>;
  /**
   * Lets go of the lease. With `handOver` (shutting down) the session stays among the node's, so once
   * it has left() other nodes take up what waits there; without, the node forgets it.
   */
  abstract release(id: string, node: string, handOver: boolean): Promise<void>;
  /** The node is gone (it shut down): others take over its sessions now rather than once its heartbeat lapses. */
  abstract leave(node: string): Promise<void>;
  /** Up to `limit` sessions whose holder died or left, each with that holder (to claim them `from` it). */
  abstract orphans(now: number, limit: number): Promise<Orphan[]>;
  /** Throws when the backend cannot be reached; used by the health check. */
  abstract ping(): Promise<void>;
}

/** A session whose holder died or left. */
export interface Orphan {
  id: string;
  from: string;
}

/** What verifying a node's leases found. */
export interface Renewal {
  lost: string[];
  waiting: string[];
}

/** Newest first: a later creation, then the larger id, comes first. */
export const newestFirst = (a: SessionKey, b: SessionKey): number =>
  b.created_at - a.created_at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);

/** A page of [start, before) from a history of `total` messages. */
export function pageBounds(total: number, limit: number, before = total): { start: number; end: number } {
  const end = Math.min(Math.max(before, 0), total);
  return { start: Math.max(end - limit, 0), end };
}

/** The user's words of a turn that did not complete, kept in the history with why. */
export const incompleteTurn = (turn: QueuedTurn, why: NonNullable<ChatMessage['incomplete']>): ChatMessage => ({
  role: 'user',
  content: turn.content,
  incomplete: why,
});

/** Conversation messages among these (what `message_count` counts). */
export const conversationCount = (messages: readonly ChatMessage[]): number => messages.filter(isConversation).length;
