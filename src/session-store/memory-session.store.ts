import { Injectable } from '@nestjs/common';

import { TITLE_CHARS } from '../contract/session-record';
import type { SessionRecord } from '../contract/session-record';
import { SessionStatus } from '../contract/session-status';
import type { MemorySessionEventLog } from './event-log/memory-session-event-log';
import { MemorySessionLeases } from './memory-session-leases';
import type { StoredSession } from './memory-session-leases';
import { conversationCount, newestFirst, pageBounds, SessionStore } from './session-store';
import type {
  Admission,
  Claim,
  Creation,
  EndedSession,
  FinishedTurn,
  MessagePage,
  NextTurn,
  Orphan,
  PendingTurns,
  QueuedTurn,
  Renewal,
  Sender,
  SessionChanges,
  SessionKey,
  SessionLimits,
  SessionPage,
  StartedTurn,
  TurnEnd,
} from './session-store';

/** Sessions in this process's memory: one node, fast, and gone on restart. */
@Injectable()
export class MemorySessionStore extends SessionStore {
  readonly shared = false;
  private readonly sessions = new Map<string, StoredSession>();
  private readonly leases = new MemorySessionLeases(this.sessions);

  /** log: where a turn's last events go as it ends (TurnEnd.events). */
  constructor(private readonly log: MemorySessionEventLog) {
    super();
  }

  async create(record: SessionRecord, limits: SessionLimits): Promise<Creation> {
    if (this.sessions.size >= limits.total) {
      return 'too_many';
    }
    if (limits.perOwner !== undefined && this.ownedBy(record.owner) >= limits.perOwner) {
      return 'too_many_for_owner';
    }
    const { id, owner, created_at, last_active_at, turns, status, model } = record;
    this.sessions.set(id, {
      record: { id, owner, created_at, last_active_at, turns, status, ...(model ? { model } : {}) },
      messages: [],
      shown: 0,
      queue: [],
    });
    return 'created';
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const session = this.sessions.get(id);
    return session && this.snapshot(session);
  }

  async list(limit: number, after?: SessionKey, owner?: string): Promise<SessionPage> {
    // O(n log n) in the live sessions, which MAX_SESSIONS bounds; a shared backend keeps an index.
    const candidates = [...this.sessions.values()]
      .map((session) => session.record)
      .filter(
        (record) => (owner === undefined || record.owner === owner) && (!after || newestFirst(after, record) < 0),
      );
    const page = candidates.sort(newestFirst).slice(0, limit);
    const records = page.map((record) => this.snapshot(this.sessions.get(record.id) as StoredSession));
    const last = records[records.length - 1];
    return candidates.length > limit ? { records, next: { created_at: last.created_at, id: last.id } } : { records };
  }

  async count(): Promise<number> {
    return this.sessions.size;
  }

  async messages(id: string, limit: number, before?: number): Promise<MessagePage | undefined> {
    const all = this.sessions.get(id)?.messages;
    if (!all) {
      return undefined;
    }
    const { start, end } = pageBounds(all.length, limit, before);
    return { messages: all.slice(start, end), total: all.length, next_before: start > 0 ? start : null };
  }

  async setStatus(id: string, status: SessionStatus): Promise<void> {
    const session = this.sessions.get(id);
    if (session) {
      session.record.status = status;
    }
  }

  async pending(id: string): Promise<PendingTurns | undefined> {
    const session = this.sessions.get(id);
    return session && { running: session.running, queued: [...session.queue] };
  }

  async change(id: string, changes: SessionChanges): Promise<boolean> {
    const session = this.sessions.get(id);
    if (session) {
      Object.assign(session.record, changes);
    }
    return session !== undefined;
  }

  async enqueue(
    id: string,
    owner: string,
    turn: QueuedTurn,
    limit: number,
    at: number,
    sender: Sender,
  ): Promise<Admission> {
    const session = this.sessions.get(id);
    if (session?.record.owner !== owner) {
      return { admitted: false, reason: 'missing' };
    }
    const waiting = session.queue.length;
    if ((session.running || waiting > 0) && waiting >= limit) {
      return { admitted: false, reason: 'full', waiting };
    }
    session.record.last_active_at = at;
    // Titled by its first message from the moment it is accepted, not only once it is answered.
    session.record.title ??= turn.content.slice(0, TITLE_CHARS);
    if (!session.running && waiting === 0 && sender.idle && session.holder === sender.node) {
      return { admitted: true, started: this.start(session, turn, sender.historyLimit) };
    }
    session.queue.push(turn);
    // One node: there is no other to tell.
    return { admitted: true, waiting: waiting + 1, holder: session.holder, told: false };
  }

  async startNext(id: string, node: string, historyLimit: number): Promise<NextTurn> {
    const session = this.sessions.get(id);
    if (!session || session.holder !== node) {
      return { state: 'lost' };
    }
    const turn = session.running ? undefined : session.queue.shift();
    if (!turn) {
      return { state: 'idle' };
    }
    return { state: 'started', ...this.start(session, turn, historyLimit) };
  }

  async finishTurn(id: string, turnId: string, end: TurnEnd): Promise<FinishedTurn> {
    const session = this.sessions.get(id);
    if (session?.running?.turn_id !== turnId) {
      return false;
    }
    session.running = undefined;
    session.messages.push(...end.messages);
    session.shown += conversationCount(end.messages);
    session.record.turns += end.completed ? 1 : 0;
    session.record.last_active_at = end.at;
    session.record.status = end.status;
    const next = end.next !== undefined && session.holder === end.next ? session.queue.shift() : undefined;
    const started = next ? this.start(session, next, 0) : undefined;
    // Appended before the call returns, so no other event of the session comes between.
    const events = await Promise.all((end.events ?? []).map((event) => this.log.append(event)));
    return started ? { next: started, events } : { events };
  }

  async end(id: string, idleBefore?: number): Promise<EndedSession | 'active' | undefined> {
    const session = this.sessions.get(id);
    if (!session) {
      return undefined;
    }
    const busy = session.running !== undefined || session.queue.length > 0;
    if (idleBefore !== undefined && (busy || session.record.last_active_at > idleBefore)) {
      return 'active';
    }
    this.sessions.delete(id);
    if (session.holder !== undefined) {
      this.leases.forget(session.holder, id);
    }
    return { running: session.running, queued: session.queue };
  }

  async forget(): Promise<void> {
    // A session here is its entry: when it is gone, nothing lists it.
  }

  async idleSince(cutoff: number, limit: number): Promise<string[]> {
    return [...this.sessions.values()]
      .map((session) => session.record)
      .filter((record) => record.last_active_at <= cutoff)
      .sort((a, b) => a.last_active_at - b.last_active_at)
      .slice(0, limit)
      .map((record) => record.id);
  }

  async claim(id: string, node: string, onlyWithWork: boolean, from?: string): Promise<Claim> {
    return this.leases.claim(id, node, onlyWithWork, from);
  }

  async heartbeat(node: string, ttlMs: number): Promise<boolean> {
    return this.leases.heartbeat(node, ttlMs);
  }

  async verify(ids: string[], node: string): Promise<Renewal> {
    return this.leases.verify(ids, node);
  }

  async release(id: string, node: string, handOver: boolean): Promise<void> {
    this.leases.release(id, node, handOver);
  }

  async leave(node: string): Promise<void> {
    this.leases.leave(node);
  }

  async orphans(now: number, limit: number): Promise<Orphan[]> {
    return this.leases.orphans(now, limit);
  }

  async ping(): Promise<void> {
    // Nothing to reach: memory is always there.
  }

  private ownedBy(owner: string): number {
    let count = 0;
    for (const session of this.sessions.values()) {
      count += session.record.owner === owner ? 1 : 0;
    }
    return count;
  }

  /** Makes the turn the running one; the latest messages of the history come with it. */
  private start(session: StoredSession, turn: QueuedTurn, historyLimit: number): StartedTurn {
    session.running = turn;
    session.record.status = SessionStatus.PROCESSING;
    const { start, end } = pageBounds(session.messages.length, historyLimit);
    const recent = {
      messages: session.messages.slice(start, end),
      total: session.messages.length,
      next_before: start > 0 ? start : null,
    };
    const model = session.record.model;
    return { turn, recent, disabled: [...(session.record.disabled_tools ?? [])], ...(model ? { model } : {}) };
  }

  private snapshot(session: StoredSession): SessionRecord {
    return {
      ...session.record,
      queued: session.queue.length,
      running: session.running?.turn_id,
      message_count: session.shown,
      node: session.holder,
    };
  }
}
