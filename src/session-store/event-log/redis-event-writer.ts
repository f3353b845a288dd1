import { join } from 'node:path';

import type { NewStreamEvent, StreamEvent } from '../../contract/events';
import type { RedisKeys } from '../../redis/redis-keys';
import { RedisScript, storeUnavailable } from '../../redis/redis-script';
import type { RedisService } from '../../redis/redis.service';

/** Events appended but not yet sent, taken out of the writer together with what settles each. */
export interface PendingEvents {
  events: NewStreamEvent[];
  settle: Array<{ resolve(event: StreamEvent | undefined): void; reject(error: Error): void }>;
}

interface Batch extends PendingEvents {
  /** Session and fence. */
  key: string;
  sessionId: string;
  fence: string;
}

/**
 * Writes a session's events to Redis in batches: the events one process appends to a session in one
 * turn of the event loop (a burst of streamed tokens, a tool call and its observation) go in one
 * script call, one stream entry and one published message, in the order they were appended. While
 * a session's batch is on its way, the next one fills (at most one in flight per session and fence),
 * so a busy turn costs fewer round trips, never more. Batches go out in the order they were opened.
 * A turn's end takes what its node appended and has not sent yet into its own script (takePending).
 */
export class RedisEventWriter {
  private readonly keys: RedisKeys;
  private readonly script: RedisScript<number | null>;
  private open = new Map<string, Batch>();
  /** Sessions (and fence) with a batch on its way, and the batch waiting behind it. */
  private readonly inFlight = new Map<string, Batch | undefined>();

  constructor(
    private readonly redis: RedisService,
    private readonly limit: number,
    private readonly keyTtlMs: number,
  ) {
    this.keys = redis.keys;
    this.script = new RedisScript<number | null>(redis.commands, join(__dirname, 'lua'), 'append-events.lua', 4);
  }

  /** Resolves with the stored event, or undefined when the fence (a node that must hold the session) fails. */
  write(event: NewStreamEvent, fence: string): Promise<StreamEvent | undefined> {
    const key = `${event.session_id}\n${fence}`;
    let batch = this.open.get(key);
    if (!batch) {
      if (this.open.size === 0) {
        // Sent once this turn of the event loop is over: what it appends goes together.
        setImmediate(() => this.flush());
      }
      batch = { key, sessionId: event.session_id, fence, events: [], settle: [] };
      this.open.set(key, batch);
    }
    const opened = batch;
    opened.events.push(event);
    return new Promise((resolve, reject) => opened.settle.push({ resolve, reject }));
  }

  private flush(): void {
    const batches = [...this.open.values()];
    this.open = new Map();
    for (const batch of batches) {
      if (!this.inFlight.has(batch.key)) {
        this.inFlight.set(batch.key, undefined);
        void this.send(batch);
        continue;
      }
      // Behind the one on its way: joined to the one already waiting there, if any.
      const waiting = this.inFlight.get(batch.key);
      if (waiting) {
        waiting.events.push(...batch.events);
        waiting.settle.push(...batch.settle);
      } else {
        this.inFlight.set(batch.key, batch);
      }
    }
  }

  /**
   * Takes out the events appended to the session as its holder (fenced) and not yet sent, oldest
   * first: the caller stores them in a script sent now, which lands after every batch on its way.
   */
  takePending(sessionId: string): PendingEvents {
    const taken: Batch[] = [];
    for (const [key, waiting] of this.inFlight) {
      if (waiting?.sessionId === sessionId && waiting.fence !== '') {
        taken.push(waiting);
        this.inFlight.set(key, undefined);
      }
    }
    for (const [key, batch] of this.open) {
      if (batch.sessionId === sessionId && batch.fence !== '') {
        taken.push(batch);
        this.open.delete(key);
      }
    }
    return { events: taken.flatMap((batch) => batch.events), settle: taken.flatMap((batch) => batch.settle) };
  }

  private async send(batch: Batch): Promise<void> {
    await this.store(batch);
    const next = this.inFlight.get(batch.key);
    if (next) {
      this.inFlight.set(batch.key, undefined);
      void this.send(next);
    } else {
      this.inFlight.delete(batch.key);
    }
  }

  private async store({ sessionId, fence, events, settle }: Batch): Promise<void> {
    const keys = [
      this.keys.eventSeq(sessionId),
      this.keys.events(sessionId),
      this.keys.eventHead(sessionId),
      this.keys.lease(sessionId),
    ];
    const bodies = events.map((event) => JSON.stringify(event).slice(1));
    try {
      const head = events.findIndex((event) => event.type === 'session_start') + 1;
      const channel = this.keys.eventsChannel(sessionId);
      const first = await this.script.run(keys, [this.limit, this.keyTtlMs, channel, fence, head, ...bodies]);
      events.forEach((event, i) =>
        settle[i].resolve(first === null ? undefined : ({ id: Number(first) + i, ...event } as StreamEvent)),
      );
    } catch (error) {
      const failure = storeUnavailable(error);
      settle.forEach(({ reject }) => reject(failure));
    }
  }
}
