import type { Socket } from 'socket.io';

import { SendBacklog } from './send-backlog';

/** What engine.io gives a connection's events: packets it queues, batches it flushes, transports that drain. */
interface EnginePacket {
  data?: string | Buffer;
}
interface EngineTransport {
  name: string;
  on(event: 'drain', listener: () => void): void;
  /** The ws WebSocket of the websocket transport. */
  socket?: { terminate?: () => void };
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
  conn.on('flush', () => backlog.taken());
  (conn.transport as unknown as EngineTransport).on('drain', drained);
  conn.on('upgrade', (transport: EngineTransport) => {
    // The old transport is closed with whatever it was writing.
    backlog.written();
    transport.on('drain', drained);
  });
  return backlog;
}

/**
 * Closes the connection now, discarding what waits for it: a graceful close would wait behind the
 * very backlog the client is not reading.
 */
export function dropConnection(socket: Socket): void {
  (socket.conn.transport as unknown as EngineTransport).socket?.terminate?.();
  socket.conn.close(true);
}
