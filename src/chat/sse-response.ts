import type { Response } from 'express';

import type { StreamEvent } from '../contract/events';
import { DROP_GRACE_MS } from './event-outbox';
import type { Heartbeat } from './heartbeat.service';
import { SendBacklog } from './send-backlog';
import { cutOffWhenStalled } from './stall-watch';

/** What goes down an SSE stream: the session's events, and heartbeats between them. */
export type SseItem = StreamEvent | { type: 'heartbeat'; data: Heartbeat };

/**
 * One text/event-stream response, written by hand rather than through `@Sse()`: this one paces
 * writes by the socket's own write callbacks (see EventOutbox), byte for byte, where `@Sse()`
 * holds a client's events in memory up to a decorator constant counted in characters.
 */
export class SseResponse {
  readonly backlog = new SendBacklog();
  private lastId: number;

  constructor(
    private readonly response: Response,
    resumedAfter: number,
  ) {
    this.lastId = resumedAfter;
  }

  /** Id of the last event written (or the one resumed after). */
  get lastEventId(): number {
    return this.lastId;
  }

  get open(): boolean {
    return !this.response.destroyed && !this.response.writableEnded;
  }

  /** The headers go out at once, so a client knows the stream is open before the first event. */
  start(): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold events back to fill a buffer.
      'x-accel-buffering': 'no',
    });
    this.response.flushHeaders();
  }

  write(item: SseItem): void {
    if (!this.open) {
      return;
    }
    const frame = this.frame(item);
    if (item.type !== 'heartbeat') {
      this.lastId = item.id;
    }
    this.backlog.add(frame.length);
    this.backlog.taken();
    this.response.write(frame, () => this.backlog.written(frame.length));
  }

  sizeOf(item: SseItem): number {
    return this.frame(item).length;
  }

  end(): void {
    if (this.open) {
      this.response.end();
    }
  }

  /**
   * Ends the stream behind what it already holds, with the reason as a comment (EventSource ignores
   * comments; people and raw clients read them). A client that stops making progress towards it for
   * DROP_GRACE_MS is cut off, and what it held is freed.
   */
  drop(reason: string): void {
    if (!this.open) {
      return;
    }
    this.response.end(`: ${reason}\n\n`);
    const stop = cutOffWhenStalled(
      () => this.backlog.bytes,
      DROP_GRACE_MS,
      () => this.response.destroy(),
    );
    this.response.once('close', stop);
  }

  /** Heartbeats repeat the last event id, so a reconnecting client's Last-Event-ID stays right. */
  private frame(item: SseItem): Buffer {
    const id = item.type === 'heartbeat' ? this.lastId : item.id;
    return Buffer.from(
      `id: ${id}\nevent: ${item.type}\ndata: ${JSON.stringify(item.type === 'heartbeat' ? item.data : item)}\n\n`,
    );
  }
}
