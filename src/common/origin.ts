import type { IncomingMessage } from 'node:http';

/**
 * Whether a browser request may come from its Origin: one of CORS_ORIGINS, or the server's own
 * host (same-origin). A request without Origin is not from a cross-site page: browsers always send
 * it on WebSocket handshakes and cross-origin requests.
 */
export function originAllowed(request: Pick<IncomingMessage, 'headers'>, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || allowed.includes(origin)) {
    return true;
  }
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    // "null" (a sandboxed frame, a file) and other unparsable origins are nobody's own.
    return false;
  }
}
