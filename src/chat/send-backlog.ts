/**
 * Bytes handed to one connection and not yet written to its socket. A transport takes what was
 * handed over in batches (`taken`) and reports when it has written them (`written`), so the count
 * is exact to the byte at every step; listeners hear when it goes down, to write more.
 */
export class SendBacklog {
  /** Handed over, not yet taken by the transport. */
  private queued = 0;
  /** Taken by the transport, not yet written to the socket. */
  private inFlight = 0;
  /** Writes reported so far: it moves whenever the client takes something. */
  private writes = 0;
  private readonly drainListeners = new Set<() => void>();

  get bytes(): number {
    return this.queued + this.inFlight;
  }

  /** How many writes were reported: unchanged while the client takes nothing. */
  get progress(): number {
    return this.writes;
  }

  /** Counts bytes handed to the connection. */
  add(bytes: number): void {
    this.queued += bytes;
  }

  /** The transport took everything handed over so far. */
  taken(): void {
    this.inFlight += this.queued;
    this.queued = 0;
  }

  /** The transport wrote `bytes` of what it took; all of it when not given. */
  written(bytes = this.inFlight): void {
    this.inFlight = Math.max(this.inFlight - bytes, 0);
    this.writes++;
    this.drainListeners.forEach((listener) => listener());
  }

  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }
}
