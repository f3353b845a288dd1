import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/**
 * Clients that subscribe to a session and then stop reading, over raw TCP: the kernel buffers fill
 * up, and whatever the server writes next waits in its own memory. Loopback only.
 */
export interface StalledClient {
  socket: Socket;
  /** The id of the last whole event it read before it stopped (SSE only; 0 otherwise). */
  lastEventId: number;
}

function open(baseUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads until `done` says the text so far is enough, then stops reading for good. */
function readUntil(socket: Socket, done: (text: string) => boolean, what: string): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stalled client: no ${what} within 10 s; got ${text.slice(0, 200)}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (done(text)) {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.pause();
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.resume();
  });
}

/** GET /api/v3/chat/stream, read up to the first whole event, then never read again. */
export async function stalledSse(baseUrl: string, sessionId: string): Promise<StalledClient> {
  const socket = await open(baseUrl);
  const { host } = new URL(baseUrl);
  socket.write(
    `GET /api/v3/chat/stream?session_id=${sessionId} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  const text = await readUntil(socket, (text) => /\nid: \d+\n[^]*?\n\n/.test(text), 'first event');
  // Whole frames only: the last one read may be cut.
  const whole = text.slice(0, text.lastIndexOf('\n\n'));
  const ids = [...whole.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
  return { socket, lastEventId: ids[ids.length - 1] ?? 0 };
}

/** A masked WebSocket text frame, as a client must send it. */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const length =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([length, mask, payload.map((byte, i) => byte ^ mask[i % 4])]);
}

/**
 * socket.io over a raw WebSocket: the engine.io handshake, a connect to /chat, join_chat with an
 * ack, and after the ack not one more byte read.
 */
export async function stalledSocketIo(baseUrl: string, sessionId: string): Promise<StalledClient> {
  const socket = await open(baseUrl);
  const { host } = new URL(baseUrl);
  socket.write(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  socket.write(frame('40/chat,'));
  await readUntil(socket, (text) => text.includes('40/chat,{'), 'namespace connect');
  socket.write(frame(`42/chat,0["join_chat",{"session_id":"${sessionId}"}]`));
  await readUntil(socket, (text) => text.includes('43/chat,0['), 'join_chat ack');
  return { socket, lastEventId: 0 };
}
