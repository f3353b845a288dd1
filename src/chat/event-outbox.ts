import type { SendBacklog } from './send-backlog';

/**
 * How long a dropped connection has to read up to the reason it was dropped for, after what it was
 * already sent; then it is cut off, whatever it still holds.
 */
export const DROP_GRACE_MS = 5_000;

/** Why a connection was dropped, as it reaches the client (an SSE comment, a WebSocket close reason). */
export const behindReason = (bytes: number, maxBytes: number): string =>
  `STREAM_BUFFER_EXCEEDED: ${bytes} bytes behind (STREAM_MAX_BUFFER_BYTES ${maxBytes}); resume from the last event id`;

/**
 * Delivers one subscription's events to one connection at the pace its client reads them.
 *
 * The replay (what a resuming client missed) is written as the socket drains: it is held by the
 * session's log anyway, so it costs this connection nothing while it waits, and a long replay
 * never looks like a client falling behind. Live events go straight out while the client keeps up
 * (less than half the bound waiting in the socket); otherwise they queue behind. A client whose
 * queue and socket backlog together pass STREAM_MAX_BUFFER_BYTES is dropped (`onOverflow`): it can
 * resume from its last event id, and what it missed is replayed from the log.
 */
export class EventOutbox<T> {
  private replay: readonly T[] = [];
  private replayed = 0;
  private queue: Array<{ item: T; bytes: number }> = [];
  private head = 0;
  private queuedBytes = 0;
  private overflowed = false;
  private pumping = false;
  private finished?: () => void;
  private readonly stopListening: () => void;

  constructor(
    private readonly backlog: SendBacklog,
    private readonly maxBytes: number,
    private readonly write: (item: T) => void,
    private readonly sizeOf: (item: T) => number,
    private readonly onOverflow: (bytes: number) => void,
  ) {
    this.stopListening = backlog.onDrain(() => this.pump());
  }

  /** Bytes of live events waiting here, not yet handed to the connection. */
  get waitingBytes(): number {
    return this.queuedBytes;
  }

  /** Writes these first, as fast as the client takes them. */
  start(replay: readonly T[]): void {
    this.replay = replay;
    this.pump();
  }

  /** Runs `then` once everything given so far has been handed to the connection (the stream ended). */
  finish(then: () => void): void {
    this.finished = then;
    this.pump();
  }

  push(item: T): void {
    if (this.overflowed) {
      return;
    }
    if (!this.behind()) {
      this.write(item);
      return;
    }
    const bytes = this.sizeOf(item);
    this.queue.push({ item, bytes });
    this.queuedBytes += bytes;
    const behindBy = this.queuedBytes + this.backlog.bytes;
    if (behindBy > this.maxBytes) {
      this.overflowed = true;
      this.close();
      this.onOverflow(behindBy);
    }
  }

  /** Stops writing and lets go of everything waiting. */
  close(): void {
    this.finished = undefined;
    this.stopListening();
    this.replay = [];
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private behind(): boolean {
    return this.behindOnItems() || !this.roomy();
  }

  private behindOnItems(): boolean {
    return this.replayed < this.replay.length || this.head < this.queue.length;
  }

  private roomy(): boolean {
    return this.backlog.bytes < this.maxBytes / 2;
  }

  private pump(): void {
    // A write may report progress at once (it drains what it wrote): the loop already goes on.
    if (this.pumping) {
      return;
    }
    this.pumping = true;
    try {
      this.writeWhileRoomy();
    } finally {
      this.pumping = false;
    }
  }

  private writeWhileRoomy(): void {
    while (this.roomy()) {
      if (this.replayed < this.replay.length) {
        this.write(this.replay[this.replayed++]);
        continue;
      }
      const next = this.queue[this.head];
      if (!next) {
        break;
      }
      this.queue[this.head++] = undefined as never;
      this.queuedBytes -= next.bytes;
      this.write(next.item);
    }
    if (this.replayed === this.replay.length && this.replay.length > 0) {
      this.replay = [];
      this.replayed = 0;
    }
    // Let go of the written head: at once when all is written, now and then while some still waits.
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.finished && !this.behindOnItems()) {
      const then = this.finished;
      this.close();
      then();
    }
  }
}
