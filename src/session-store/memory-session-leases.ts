import type { ChatMessage, SessionRecord } from '../contract/session-record';
import { incompleteTurn } from './session-store';
import type { Claim, Orphan, QueuedTurn, Renewal } from './session-store';

/** A session as the memory store keeps it. */
export interface StoredSession {
  record: Omit<SessionRecord, 'queued' | 'running' | 'message_count' | 'node'>;
  messages: ChatMessage[];
  /** Conversation messages among them (message_count). */
  shown: number;
  queue: QueuedTurn[];
  running?: QueuedTurn;
  holder?: string;
}

/**
 * The leases of MemorySessionStore: each node's heartbeat deadline (0 once it left) and the sessions
 * it holds. One process has one node, but the contract specs share a store between named nodes.
 */
export class MemorySessionLeases {
  private readonly deadlines = new Map<string, number>();
  private readonly held = new Map<string, Set<string>>();

  constructor(private readonly sessions: Map<string, StoredSession>) {}

  claim(id: string, node: string, onlyWithWork: boolean, from?: string): Claim {
    const session = this.sessions.get(id);
    if (from !== undefined) {
      this.forget(from, id);
    }
    if (!session) {
      return { state: 'missing' };
    }
    if (session.holder !== undefined && session.holder !== node && session.holder !== from) {
      return { state: 'held', holder: session.holder };
    }
    const interrupted = session.running;
    if (onlyWithWork && !interrupted && session.queue.length === 0) {
      if (session.holder === from) {
        session.holder = undefined;
      }
      return { state: 'idle' };
    }
    session.holder = node;
    this.hold(node, id);
    if (interrupted) {
      session.running = undefined;
      session.messages.push(incompleteTurn(interrupted, 'interrupted'));
      session.shown += 1;
    }
    return { state: 'claimed', status: session.record.status, owner: session.record.owner, interrupted };
  }

  /** True when the node's previous heartbeat had lapsed, or it had none. */
  heartbeat(node: string, ttlMs: number): boolean {
    const deadline = this.deadlines.get(node);
    const now = Date.now();
    this.deadlines.set(node, now + ttlMs);
    return deadline === undefined || deadline <= now;
  }

  verify(ids: string[], node: string): Renewal {
    const lost: string[] = [];
    const waiting: string[] = [];
    for (const id of ids) {
      const session = this.sessions.get(id);
      if (!session || (session.holder !== undefined && session.holder !== node)) {
        lost.push(id);
        continue;
      }
      session.holder = node;
      this.hold(node, id);
      if (!session.running && session.queue.length > 0) {
        waiting.push(id);
      }
    }
    return { lost, waiting };
  }

  release(id: string, node: string, handOver: boolean): void {
    const session = this.sessions.get(id);
    if (session?.holder === node) {
      session.holder = undefined;
    }
    if (!handOver) {
      this.forget(node, id);
    }
  }

  leave(node: string): void {
    this.deadlines.set(node, 0);
  }

  /** Takes the session out of those `node` holds (it ended, or the node let go of it). */
  forget(node: string, id: string): void {
    this.held.get(node)?.delete(id);
  }

  orphans(now: number, limit: number): Orphan[] {
    const found: Orphan[] = [];
    for (const [node, deadline] of this.deadlines) {
      if (deadline > now) {
        continue;
      }
      const ids = [...(this.held.get(node) ?? [])];
      if (ids.length === 0) {
        // Nothing left to take over from it: it is forgotten.
        this.deadlines.delete(node);
        this.held.delete(node);
        continue;
      }
      found.push(...ids.slice(0, limit - found.length).map((id) => ({ id, from: node })));
      if (found.length === limit) {
        break;
      }
    }
    return found;
  }

  private hold(node: string, id: string): void {
    let ids = this.held.get(node);
    if (!ids) {
      ids = new Set();
      this.held.set(node, ids);
    }
    ids.add(id);
  }
}
