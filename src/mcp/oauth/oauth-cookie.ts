import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { FLOW_TTL_MS } from './mcp-oauth-provider';

/** The cookie that binds an authorization to the browser that started it. */
const NAME = 'mcp_oauth';
// Sent with the start and the callback only.
const PATH = '/api/v3/mcp/oauth';
const SECRET = /^[\w-]{43}$/;

/** The secret of this browser's cookie, if it sent a well-formed one. */
export function cookieSecret(request: Pick<IncomingMessage, 'headers'>): string | undefined {
  const header = request.headers.cookie ?? '';
  const value = header
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${NAME}=`))
    ?.slice(NAME.length + 1);
  return value !== undefined && SECRET.test(value) ? value : undefined;
}

/**
 * The browser's secret: the one its cookie holds, or a new one, set (again) on the response as an
 * HttpOnly, SameSite=Lax cookie for the OAuth routes, Secure when the page is served over https.
 */
export function issueCookie(
  request: Pick<IncomingMessage, 'headers'>,
  response: ServerResponse,
  secure: boolean,
): string {
  const secret = cookieSecret(request) ?? randomBytes(32).toString('base64url');
  const attributes = [`${NAME}=${secret}`, `Path=${PATH}`, `Max-Age=${FLOW_TTL_MS / 1000}`, 'HttpOnly', 'SameSite=Lax'];
  response.setHeader('Set-Cookie', [...attributes, ...(secure ? ['Secure'] : [])].join('; '));
  return secret;
}

/** What a flow keeps of the secret: its digest, never the secret itself. */
export const bindingOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Whether the secret is the one whose digest the flow keeps (compared in constant time). */
export function boundTo(binding: string | undefined, secret: string | undefined): boolean {
  if (!binding || !secret) {
    return false;
  }
  const expected = Buffer.from(binding, 'hex');
  const given = Buffer.from(bindingOf(secret), 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
