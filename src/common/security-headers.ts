import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { IncomingMessage } from 'node:http';

// Where MCP Apps view documents are served (ViewsController): the only pages the page may frame.
const VIEW_DOCUMENTS_PATH = '/api/v3/views/';
// A Host header fit to stand in a source expression: a name or IP literal and a port, nothing else.
const PLAIN_HOST = /^([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

/**
 * frame-src: view documents only, on the host the request named and on PUBLIC_URL's (a proxy that
 * rewrites Host), so a view navigating its own frame (location, a link, a refresh) is stopped before
 * its request goes out. `http:` also matches `https:` (TLS at a proxy).
 */
export function viewDocuments(publicUrl: string): (request: IncomingMessage) => string {
  const publicDocuments = `${new URL(publicUrl).origin}${VIEW_DOCUMENTS_PATH}`;
  return (request) => {
    const host = request.headers.host ?? '';
    const hostDocuments = `http://${host}${VIEW_DOCUMENTS_PATH}`;
    return PLAIN_HOST.test(host) && hostDocuments !== publicDocuments
      ? `${hostDocuments} ${publicDocuments}`
      : publicDocuments;
  };
}

/**
 * The page's Content-Security-Policy: its own scripts, styles and connections only; no inline
 * script, no third-party origin, no framing of it; its own frames show view documents only.
 * Swagger UI (/api/docs) inlines its styles, so there (and only there) inline styles are allowed;
 * scripts never.
 */
const pagePolicy = (publicUrl: string) => ({
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  // blob: the files of tool results, which the page fetches with its credential and shows.
  imgSrc: ["'self'", 'data:', 'blob:'],
  mediaSrc: ["'self'", 'blob:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  frameSrc: [viewDocuments(publicUrl)],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Plain-HTTP deployments (loopback, behind a TLS proxy) must not have their requests rewritten.
  upgradeInsecureRequests: null,
});

const DOCS_PATH = '/api/docs';

/** helmet's security headers on every response, with the CSP above. */
export function securityHeaders(publicUrl: string): RequestHandler {
  const policy = pagePolicy(publicUrl);
  const strict = helmet({ contentSecurityPolicy: { useDefaults: false, directives: policy } });
  const docs = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...policy, styleSrc: ["'self'", "'unsafe-inline'"] },
    },
  });
  return (request, response, next) => (request.path.startsWith(DOCS_PATH) ? docs : strict)(request, response, next);
}
