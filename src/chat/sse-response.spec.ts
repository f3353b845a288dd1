import type { Response } from 'express';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import type { StreamEvent } from '../contract/events';
import { SseResponse } from './sse-response';

const event = (id: number): StreamEvent =>
  ({
    id,
    type: 'partial_response',
    session_id: 's',
    turn_id: 't',
    timestamp: '',
    data: { iteration: 1, delta: `${id}` },
  }) as unknown as StreamEvent;

describe(SseResponse.name, () => {
  let server: Server;
  let response: ServerResponse;
  let received = '';

  beforeEach(async () => {
    const responded = new Promise<ServerResponse>((resolve) => {
      server = createServer((_req, res) => resolve(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    received = '';
    void fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`).then(async (res) => {
      for await (const chunk of res.body!) {
        received += Buffer.from(chunk).toString();
      }
    });
    response = await responded;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  // Node's HTTP response corks its socket for the rest of the tick at a chunk's write: the events of a
  // tick reach the client in one write, which this holds the stream to.
  it('should write the events of one tick in one write to the socket, and each later tick in its own', async () => {
    const sse = new SseResponse(response as unknown as Response, 0);
    sse.start();
    const socket = response.socket as Socket & {
      _writev: (...args: unknown[]) => void;
      _write: (...args: unknown[]) => void;
    };
    let writes = 0;
    for (const method of ['_writev', '_write'] as const) {
      const original = socket[method].bind(socket);
      socket[method] = (...args: unknown[]) => {
        writes++;
        original(...args);
      };
    }
    sse.write(event(1));
    sse.write(event(2));
    sse.write(event(3));
    expect(writes).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toBe(1);
    sse.write(event(4));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toBe(2);
    expect(sse.lastEventId).toBe(4);
    while (!received.includes('id: 4')) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(received.match(/^id: \d+$/gm)).toEqual(['id: 1', 'id: 2', 'id: 3', 'id: 4']);
  });
});
