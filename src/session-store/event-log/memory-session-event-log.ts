import { Logger } from '@nestjs/common';

import type { NewStreamEvent, StreamEvent } from '../../contract/events';
import { SessionEventLog } from './session-event-log';
import type { EventListener } from './session-event-log';

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

  constructor(private readonly limit: number) {
    super();
  }

  async append(event: NewStreamEvent): Promise<StreamEvent> {
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
    // Delivered before append returns, so subscribers see events in the order they were made.
    for (const listener of log.listeners) {
      try {
        listener(numbered);
      } catch (error) {
        // One broken subscriber must not stop the turn or the other subscribers.
        this.logger.error(`Event listener failed on ${numbered.type} of session ${numbered.session_id}`, error);
      }
    }
    return numbered;
  }

  appendAsHolder(event: NewStreamEvent): Promise<StreamEvent> {
    // One node: it holds every session it has.
    return this.append(event);
  }

  async head(sessionId: string): Promise<StreamEvent | undefined> {
    return this.logs.get(sessionId)?.head;
  }

  async replay(sessionId: string, afterId: number): Promise<StreamEvent[]> {
    const recent = this.logs.get(sessionId)?.recent ?? [];
    const start = recent.findIndex((event) => event.id > afterId);
    return start === -1 ? [] : recent.slice(start);
  }

  async subscribe(sessionId: string, listener: EventListener): Promise<() => void> {
    const listeners = this.logOf(sessionId).listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async drop(sessionId: string): Promise<void> {
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
}
