import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io';
import { io } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';

import { batchTick, watchBacklog } from './socket-backlog';

interface Tcp {
  _write: (...args: unknown[]) => void;
  _writev: (...args: unknown[]) => void;
}

describe(batchTick.name, () => {
  let http: HttpServer;
  let server: Server;
  let client: ClientSocket;
  let socket: Socket;
  let writes: number;
  const received: number[] = [];

  beforeEach(async () => {
    http = createServer();
    server = new Server(http);
    const connected = new Promise<Socket>((resolve) => server.on('connection', resolve));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    client = io(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'] });
    received.length = 0;
    client.on('n', (n: number) => received.push(n));
    socket = await connected;
    watchBacklog(socket);
    // Every write the WebSocket's TCP socket makes from now on.
    const tcp = (socket.conn.transport as unknown as { socket: { _socket: Tcp } }).socket._socket;
    writes = 0;
    for (const method of ['_write', '_writev'] as const) {
      const original = tcp[method].bind(tcp);
      tcp[method] = (...args: unknown[]) => {
        writes++;
        original(...args);
      };
    }
  });

  afterEach(async () => {
    client.disconnect();
    await server.close();
  });

  const arrived = async (count: number) => {
    while (received.length < count) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  it('should send the events of one tick in one write', async () => {
    for (const n of [1, 2, 3, 4]) {
      batchTick(socket);
      socket.emit('n', n);
    }
    await arrived(4);
    expect(received).toEqual([1, 2, 3, 4]);
    expect(writes).toBe(1);
  });

  it('should take more than one write without it: the first event alone, then each of the rest', async () => {
    for (const n of [1, 2, 3, 4]) {
      socket.emit('n', n);
    }
    await arrived(4);
    expect(writes).toBeGreaterThan(1);
  });
});
