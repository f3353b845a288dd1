import { Injectable } from '@nestjs/common';

import { newestFirst, pageBounds, SessionStore } from './session-store';
import type { MessagePage, SessionKey, SessionPage } from './session-store';
import type { ChatMessage, SessionRecord } from './session-record';

/** Sessions in this process's memory: fast, and gone on restart. */
@Injectable()
export class MemorySessionStore extends SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();

  async create(record: SessionRecord): Promise<void> {
    this.sessions.set(record.id, record);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    return this.sessions.get(id);
  }

  async list(limit: number, after?: SessionKey): Promise<SessionPage> {
    // O(n log n) in the live sessions, which MAX_SESSIONS bounds; a shared backend keeps an index.
    const candidates = [...this.sessions.values()].filter((record) => !after || newestFirst(after, record) < 0);
    const records = candidates.sort(newestFirst).slice(0, limit);
    const last = records[records.length - 1];
    return candidates.length > limit ? { records, next: { created_at: last.created_at, id: last.id } } : { records };
  }

  async messages(id: string, limit: number, before?: number): Promise<MessagePage | undefined> {
    const all = this.sessions.get(id)?.messages;
    if (!all) {
      return undefined;
    }
    const { start, end } = pageBounds(all.length, limit, before);
    return { messages: all.slice(start, end), total: all.length, next_before: start > 0 ? start : null };
  }

  async count(): Promise<number> {
    return this.sessions.size;
  }

  async appendTurn(id: string, messages: ChatMessage[], at: number): Promise<boolean> {
    const record = this.sessions.get(id);
    if (!record) {
      return false;
    }
    record.messages.push(...messages);
    record.turns += 1;
    record.last_active_at = at;
    return true;
  }

  async touch(id: string, at: number): Promise<void> {
    const record = this.sessions.get(id);
    if (record) {
      record.last_active_at = at;
    }
  }

  async delete(id: string): Promise<boolean> {
    return this.sessions.delete(id);
  }

  async idleSince(cutoff: number): Promise<string[]> {
    const ids: string[] = [];
    for (const record of this.sessions.values()) {
      if (record.last_active_at <= cutoff) {
        ids.push(record.id);
      }
    }
    return ids;
  }

  async ping(): Promise<void> {
    // Nothing to reach: memory is always there.
  }
}
