import type { Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

import { ErrorCode } from '../contract/error-code';
import type { HostAllowList } from './host-allow-list';

// The probes answer any Host: load balancers and orchestrators call them by address or by a name of their own.
const OPEN_PATHS = new Set(['/health/live', '/health/ready']);

const pathOf = (url = '/'): string => url.split('?', 1)[0];

/**
 * Refuses, with 421 HOST_NOT_ALLOWED, every request and WebSocket upgrade whose Host this server
 * does not answer, before anything else sees it: Express (routes, static files, Swagger) and
 * socket.io's engine (the polling handshake and the upgrade) alike. So nothing runs for it: no
 * authentication, rate limit, body parsing, session, turn or model request.
 */
export function gateHosts(server: Server, hosts: HostAllowList, logger: Logger): void {
  const emit = server.emit.bind(server);
  server.emit = ((event: string, ...args: unknown[]): boolean => {
    if (event === 'request' || event === 'upgrade') {
      const request = args[0] as IncomingMessage;
      if (!OPEN_PATHS.has(pathOf(request.url)) && !hosts.allows(request.headers.host)) {
        const message = hosts.refusal(request.headers.host);
        logger.debug(`${request.method} ${pathOf(request.url)} refused: ${message}`);
        const body = JSON.stringify({ error: { code: ErrorCode.HOST_NOT_ALLOWED, message } });
        if (event === 'request') {
          refuseRequest(args[1] as ServerResponse, body);
        } else {
          refuseUpgrade(args[1] as Duplex, body);
        }
        return true;
      }
    }
    return emit(event, ...args);
  }) as Server['emit'];
}

function refuseRequest(response: ServerResponse, body: string): void {
  response.writeHead(421, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** A WebSocket upgrade has no response object: the answer is written to the socket, which is then closed. */
function refuseUpgrade(socket: Duplex, body: string): void {
  socket.end(
    [
      'HTTP/1.1 421 Misdirected Request',
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
