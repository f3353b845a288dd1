import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every connection through it, as a network that blips would; new ones go through. */
  cut(): number;
  /** Drops every connection, and refuses new ones for this long: an outage. */
  outage(ms: number): number;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `target`, whose connections the test can drop. */
export async function startTcpProxy(target: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  let refusingUntil = 0;
  const server: Server = createServer((inbound) => {
    if (Date.now() < refusingUntil) {
      inbound.destroy();
      return;
    }
    const outbound = connect(target, '127.0.0.1');
    track(inbound);
    track(outbound);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    const count = sockets.size;
    sockets.forEach((socket) => socket.destroy());
    return count;
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut,
    outage: (ms) => {
      refusingUntil = Date.now() + ms;
      return cut();
    },
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
