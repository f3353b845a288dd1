import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The page's Content-Security-Policy: its own scripts, styles and connections only; no inline
 * script, no third-party origin, no framing. Swagger UI (/api/docs) inlines its styles, so there
 * (and only there) inline styles are allowed; scripts never.
 */
const PAGE_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  // blob: the files of tool results, which the page fetches with its credential and shows.
  imgSrc: ["'self'", 'data:', 'blob:'],
  mediaSrc: ["'self'", 'blob:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Plain-HTTP deployments (loopback, behind a TLS proxy) must not have their requests rewritten.
  upgradeInsecureRequests: null,
};

const DOCS_PATH = '/api/docs';

/** helmet's security headers on every response, with the CSP above. */
export function securityHeaders(): RequestHandler {
  const strict = helmet({ contentSecurityPolicy: { useDefaults: false, directives: PAGE_POLICY } });
  const docs = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...PAGE_POLICY, styleSrc: ["'self'", "'unsafe-inline'"] },
    },
  });
  return (request, response, next) => (request.path.startsWith(DOCS_PATH) ? docs : strict)(request, response, next);
}
