import type { Socket } from 'socket.io';

import { DROP_GRACE_MS } from './event-outbox';
import { SendBacklog } from './send-backlog';
import { cutOffWhenStalled } from './stall-watch';

/** What engine.io gives a connection's events: packets it queues, batches it flushes, transports that drain. */
interface EnginePacket {
  data?: string | Buffer;
}
interface EngineTransport {
  name: string;
  on(event: 'drain', listener: () => void): void;
  /** The ws WebSocket of the websocket transport. */
  socket?: {
    /** Bytes it was given and has not yet written to its TCP socket. */
    readonly bufferedAmount: number;
    /** Its TCP socket. */
    readonly _socket?: { cork(): void; uncork(): void; destroyed: boolean };
    close(code: number, reason: string): void;
    terminate(): void;
    once(event: 'close', listener: () => void): void;
  };
}

const sizeOf = (data: EnginePacket['data']): number =>
  data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;

/**
 * Follows what engine.io holds for one socket.io connection: packets queued while its transport is
 * busy, and the batch the transport is writing.
 */
export function watchBacklog(socket: Socket): SendBacklog {
  const backlog = new SendBacklog();
  const conn = socket.conn;
  const drained = () => backlog.written();
  conn.on('packetCreate', (packet: EnginePacket) => backlog.add(sizeOf(packet.data)));
  // A transport takes the whole queue at once and writes one batch at a time.
  conn.on('flush', () => {
    backlog.taken();
    // One write for the batch: uncorked once the transport has framed every packet of it.
    const tcp = tcpOf(conn.transport as unknown as EngineTransport);
    if (tcp && !tcp.destroyed) {
      tcp.cork();
      conn.once('drain', () => tcp.uncork());
    }
  });
  (conn.transport as unknown as EngineTransport).on('drain', drained);
  conn.on('upgrade', (transport: EngineTransport) => {
    // The old transport is closed with whatever it was writing.
    backlog.written();
    transport.on('drain', drained);
  });
  return backlog;
}

// WebSocket close code 1013, "Try Again Later": the client should reconnect.
const TRY_AGAIN_LATER = 1013;

/**
 * Drops the connection behind what its WebSocket already took, with the reason in the close frame
 * (socket.io-client hands it to its `disconnect` listener, then reconnects). What engine.io still
 * queues is let go at once: the client resumes from the log. A client that stops making progress
 * towards the close frame for DROP_GRACE_MS is cut off. Long-polling has no such frame.
 */
export function dropConnection(socket: Socket, reason: string): void {
  const transport = socket.conn.transport as unknown as EngineTransport;
  const ws = transport.name === 'websocket' ? transport.socket : undefined;
  ws?.close(TRY_AGAIN_LATER, reason);
  socket.conn.close(true);
  if (ws) {
    const stop = cutOffWhenStalled(
      () => ws.bufferedAmount,
      DROP_GRACE_MS,
      () => ws.terminate(),
    );
    ws.once('close', stop);
  }
}

const held = new WeakSet<object>();

/** The TCP socket under a websocket transport; none for long-polling, which batches by itself. */
const tcpOf = (transport: EngineTransport) => (transport.name === 'websocket' ? transport.socket?._socket : undefined);

/**
 * The events of one tick leave a WebSocket in one write. engine.io sends the first packet at once
 * and the rest as one batch when that write is done; held for the tick, the transport takes them
 * all in one batch at its end, which watchBacklog writes corked (ws corks around each frame; an
 * outer cork holds the batch).
 */
export function batchTick(socket: Socket): void {
  const conn = socket.conn as unknown as { transport: EngineTransport & { writable: boolean }; flush(): void };
  const transport = conn.transport;
  if (!tcpOf(transport) || !transport.writable || held.has(transport)) {
    return;
  }
  held.add(transport);
  transport.writable = false;
  process.nextTick(() => {
    held.delete(transport);
    if (conn.transport === transport && socket.conn.readyState === 'open') {
      transport.writable = true;
      conn.flush();
    }
  });
}
