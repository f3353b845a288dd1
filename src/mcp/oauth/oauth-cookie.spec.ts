import { bindingOf, boundTo, cookieSecret, issueCookie } from './oauth-cookie';

const SECRET = 'a'.repeat(43);

/** A response that keeps the header it was given. */
function fakeResponse() {
  const headers: Record<string, string | string[]> = {};
  return {
    headers,
    setHeader: (name: string, value: string | string[]) => void (headers[name.toLowerCase()] = value),
  };
}

describe('the OAuth cookie', () => {
  it("should read a well-formed secret among the browser's cookies, and nothing else", () => {
    expect(cookieSecret({ headers: { cookie: `theme=dark; mcp_oauth=${SECRET}; x=1` } })).toBe(SECRET);
    expect(cookieSecret({ headers: {} })).toBeUndefined();
    expect(cookieSecret({ headers: { cookie: 'mcp_oauth=short' } })).toBeUndefined();
    expect(cookieSecret({ headers: { cookie: `other_mcp_oauth=${SECRET}` } })).toBeUndefined();
  });

  it('should set a new secret, or keep the one the browser holds, as an HttpOnly SameSite=Lax cookie', () => {
    const fresh = fakeResponse();
    const secret = issueCookie({ headers: {} }, fresh as never, false);
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(fresh.headers['set-cookie']).toBe(
      `mcp_oauth=${secret}; Path=/api/v3/mcp/oauth; Max-Age=600; HttpOnly; SameSite=Lax`,
    );
    expect(issueCookie({ headers: {} }, fakeResponse() as never, false)).not.toBe(secret);

    const kept = fakeResponse();
    expect(issueCookie({ headers: { cookie: `mcp_oauth=${SECRET}` } }, kept as never, true)).toBe(SECRET);
    expect(kept.headers['set-cookie']).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('should bind a flow to the digest of the secret, and match that secret only', () => {
    const binding = bindingOf(SECRET);
    expect(binding).not.toContain(SECRET);
    expect(boundTo(binding, SECRET)).toBe(true);
    expect(boundTo(binding, 'b'.repeat(43))).toBe(false);
    expect(boundTo(binding, undefined)).toBe(false);
    expect(boundTo(undefined, SECRET)).toBe(false);
  });
});
