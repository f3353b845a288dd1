import { Injectable } from '@nestjs/common';

import { SessionStore } from './session-store';
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

  async list(): Promise<SessionRecord[]> {
    return [...this.sessions.values()];
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
