import type { Response } from 'express';
import { PassThrough } from 'node:stream';

/**
 * An Express response without a socket: a stream that keeps what was written to it, with the
 * calls an SSE stream makes (writeHead, flushHeaders). `hangUp()` plays the client going away.
 */
export class FakeResponse extends PassThrough {
  statusCode = 0;
  headers: Record<string, string> = {};
  readonly req = { headers: {}, socket: { remoteAddress: '127.0.0.1' } };
  readonly socket = { destroyed: false };
  private text = '';

  constructor() {
    super();
    this.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
  }

  writeHead(status: number, headers: Record<string, string>): this {
    this.statusCode = status;
    this.headers = headers;
    return this;
  }

  flushHeaders(): void {
    // Headers are "sent" at once.
  }

  /** What the client received so far. */
  get body(): string {
    return this.text;
  }

  /** The client closed the connection. */
  hangUp(): void {
    this.socket.destroyed = true;
    this.destroy();
  }

  asResponse(): Response {
    return this as unknown as Response;
  }
}
