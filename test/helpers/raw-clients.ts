import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/**
 * Clients over raw TCP that subscribe to a session and then read at the pace a test sets: not at all
 * (the client that stopped reading: the kernel buffers fill up, and what the server writes next waits
 * in its memory) or a chunk now and then (a slow client). Loopback only.
 */
export interface RawClient {
  socket: Socket;
  /** Everything read so far, as latin1 text: headers and frames included. */
  text: string;
  /** Resolves once the connection has closed. */
  closed: Promise<void>;
  /** From now on, reads one chunk every `ms`. */
  throttle(ms: number): void;
}

function open(baseUrl: string): Promise<RawClient> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  const client: RawClient = {
    socket,
    text: '',
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
    throttle: (ms) => {
      socket.on('data', (chunk: Buffer) => {
        client.text += chunk.toString('latin1');
        socket.pause();
        setTimeout(() => socket.resume(), ms).unref();
      });
      socket.resume();
    },
  };
  // A reset from the server is how some of these tests end: it is not an error of the test.
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('error', reject);
  });
}

/** Reads until `done` says the text so far is enough, then stops reading. */
function readUntil(client: RawClient, done: (text: string) => boolean, what: string): Promise<void> {
  const { socket } = client;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`raw client: no ${what} within 10 s; got ${client.text.slice(-200)}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      client.text += chunk.toString('latin1');
      if (done(client.text)) {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.pause();
        resolve();
      }
    };
    socket.on('data', onData);
    socket.resume();
  });
}

/** The id of the last whole SSE event in what was read (0 when there is none). */
export function lastEventIdOf(text: string): number {
  const whole = text.slice(0, text.lastIndexOf('\n\n'));
  const ids = [...whole.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
  return ids[ids.length - 1] ?? 0;
}

/** GET /api/v3/chat/stream, read up to the first whole event, then stop reading. */
export async function rawSse(baseUrl: string, sessionId: string): Promise<RawClient> {
  const client = await open(baseUrl);
  const { host } = new URL(baseUrl);
  client.socket.write(
    `GET /api/v3/chat/stream?session_id=${sessionId} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  await readUntil(client, (text) => lastEventIdOf(text) > 0, 'first event');
  return client;
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

/** socket.io over a raw WebSocket: the handshake, a connect to /chat, join_chat with its ack, then no more reading. */
export async function rawSocketIo(baseUrl: string, sessionId: string): Promise<RawClient> {
  const client = await open(baseUrl);
  const { host } = new URL(baseUrl);
  client.socket.write(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  client.socket.write(frame('40/chat,'));
  await readUntil(client, (text) => text.includes('40/chat,{'), 'namespace connect');
  client.socket.write(frame(`42/chat,0["join_chat",{"session_id":"${sessionId}"}]`));
  await readUntil(client, (text) => text.includes('43/chat,0['), 'join_chat ack');
  return client;
}
