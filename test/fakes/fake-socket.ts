import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';

/**
 * A socket.io server-side socket without a connection: what the gateway reads and calls on it
 * (handshake, data, emit, disconnect, onAny, the engine.io connection's events), recorded.
 */
export class FakeSocket extends EventEmitter {
  data: unknown = {};
  readonly handshake: { auth: Record<string, unknown> } = { auth: {} };
  readonly request = { headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
  readonly emitted: Array<{ event: string; payload: unknown }> = [];
  readonly conn = Object.assign(new EventEmitter(), {
    transport: Object.assign(new EventEmitter(), { name: 'websocket', writable: true }),
    close: () => undefined,
  });
  disconnected = false;
  private any?: (event: string, ...args: unknown[]) => void;

  constructor(readonly id = 'socket-1') {
    super();
  }

  override emit(event: string, payload?: unknown): boolean {
    this.emitted.push({ event, payload });
    return true;
  }

  disconnect(): this {
    this.disconnected = true;
    return this;
  }

  onAny(listener: (event: string, ...args: unknown[]) => void): this {
    this.any = listener;
    return this;
  }

  /** The client emits an event (with an ack as its last argument, when it waits for one). */
  receive(event: string, ...args: unknown[]): void {
    this.any?.(event, ...args);
  }

  asSocket(): Socket {
    return this as unknown as Socket;
  }
}
