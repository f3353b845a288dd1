/** What replaces a redacted value. */
export const REDACTED = '[redacted]';

/** Credentials, in whichever object they turn up: never logged, LOG_CONTENT or not. */
const SECRET_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.headers.authorization',
  'authorization',
  '*.authorization',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'api_key',
  '*.api_key',
  'password',
  '*.password',
  'secret',
  '*.secret',
];

/** What people wrote and what tools saw: logged only with LOG_CONTENT=true. */
const CONTENT_PATHS = ['content', '*.content', 'arguments', '*.arguments', 'result', '*.result', 'reason'];

/** pino `redact` paths: the one list of what log lines never show. */
export function redactPaths(logContent: boolean): string[] {
  return logContent ? SECRET_PATHS : [...SECRET_PATHS, ...CONTENT_PATHS];
}

/**
 * A request URL as logged: a token given in the query (SSE's access_token) is hidden, and so are an
 * MCP Apps view ticket, a credential in the path, an OAuth callback's `code` and `state`, and a chat
 * search (`q`), which is what people wrote.
 */
export function loggedUrl(url: string | undefined): string {
  return (url ?? '')
    .replace(/([?&](?:access_token|token|code|state|q)=)[^&]*/gi, `$1${REDACTED}`)
    .replace(/^(\/api\/v3\/views\/)[^/?#]+/, `$1${REDACTED}`);
}
