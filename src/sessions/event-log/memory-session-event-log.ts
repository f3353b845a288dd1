import { Logger } from '@nestjs/common';

import { SessionEventLog } from './session-event-log';
import type { EventListener } from './session-event-log';
import type { NewStreamEvent, StreamEvent } from '../events';

interface SessionLog {
  lastId: number;
  head?: StreamEvent;
  recent: StreamEvent[];
  listeners: Set<EventListener>;
}

/** Per-session ring of recent events with synchronous fan-out, in this process. */
export class MemorySessionEventLog extends SessionEventLog {
  private readonly logger = new Logger(MemorySessionEventLog.name);
  private readonly logs = new Map<string, SessionLog>();
  private readonly everyone = new Set<EventListener>();

  constructor(private readonly limit: number) {
    super();
  }

  append(event: NewStreamEvent): StreamEvent {
    const log = this.logOf(event.session_id);
    const numbered = { id: ++log.lastId, ...event } as StreamEvent;
    if (numbered.type === 'session_start' && !log.head) {
      log.head = numbered;
    }
    log.recent.push(numbered);
    // Trim in batches so appends stay O(1) amortised.
    if (log.recent.length > this.limit * 1.25) {
      log.recent.splice(0, log.recent.length - this.limit);
    }
    this.deliver(log.listeners, numbered);
    this.deliver(this.everyone, numbered);
    return numbered;
  }

  async head(sessionId: string): Promise<StreamEvent | undefined> {
    return this.logs.get(sessionId)?.head;
  }

  async replay(sessionId: string, afterId: number): Promise<StreamEvent[]> {
    const recent = this.logs.get(sessionId)?.recent ?? [];
    const start = recent.findIndex((event) => event.id > afterId);
    return start === -1 ? [] : recent.slice(start);
  }

  subscribe(sessionId: string, listener: EventListener): () => void {
    const listeners = this.logOf(sessionId).listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  subscribeAll(listener: EventListener): () => void {
    this.everyone.add(listener);
    return () => this.everyone.delete(listener);
  }

  drop(sessionId: string): void {
    this.logs.delete(sessionId);
  }

  private logOf(sessionId: string): SessionLog {
    let log = this.logs.get(sessionId);
    if (!log) {
      log = { lastId: 0, recent: [], listeners: new Set() };
      this.logs.set(sessionId, log);
    }
    return log;
  }

  private deliver(listeners: Set<EventListener>, event: StreamEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        // One broken subscriber must not stop the turn or the other subscribers.
        this.logger.error(`Event listener failed on ${event.type} of session ${event.session_id}`, error);
      }
    }
  }
}
