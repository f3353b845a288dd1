import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { createServer } from 'node:http';
import type { Server } from 'node:http';

export const ISSUER = 'https://idp.test/';
export const AUDIENCE = 'mcp-host';

/** An OIDC provider's key set served on loopback, and tokens signed by its key. */
export interface TestIdentityProvider {
  jwksUrl: string;
  /** A JWT for `sub`, valid for `ttlSeconds` (negative: expired already), with extra claims. */
  sign(sub: string, claims?: JWTPayload, ttlSeconds?: number, audience?: string): Promise<string>;
  /** Times the key set was fetched. */
  readonly fetches: number;
  close(): Promise<void>;
}

export async function startIdentityProvider(): Promise<TestIdentityProvider> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    sign: (sub, claims = {}, ttlSeconds = 600, audience = AUDIENCE) =>
      signWith(privateKey, sub, claims, ttlSeconds, audience),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function signWith(key: CryptoKey, sub: string, claims: JWTPayload, ttlSeconds: number, audience: string) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + ttlSeconds)
    .sign(key);
}
