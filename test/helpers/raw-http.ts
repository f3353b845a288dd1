import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';

/** An answer as a client reads it. */
export interface RawAnswer {
  status: number;
  body: string;
}

/**
 * A request with the Host header a test names (fetch does not let one be set), to the server's
 * loopback address: what a page whose name rebinds to 127.0.0.1 would send.
 */
export function requestAs(
  baseUrl: string,
  host: string,
  path: string,
  { method = 'GET', body, headers = {} }: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: hostname,
        port,
        path,
        method,
        headers: {
          host,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          // An event stream stays open: its status and first bytes are enough.
          if (response.headers['content-type']?.startsWith('text/event-stream')) {
            response.destroy();
            resolve({ status: response.statusCode ?? 0, body: text });
          }
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** A socket.io WebSocket upgrade with that Host, over raw TCP: the status line it gets, and the socket closed. */
export function upgradeAs(baseUrl: string, host: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(text.slice(0, text.indexOf('\r\n')));
      }
    });
    socket.on('close', () => resolve(text.split('\r\n', 1)[0]));
    socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}
