import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';

import { AppException } from '../common/errors';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../contract/error-code';
import { principalId } from './principal';
import type { Principal } from './principal';

// How long the provider's keys are trusted before they are fetched again; an unknown `kid` refetches sooner.
const JWKS_CACHE_MS = 10 * 60_000;
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_TIMEOUT_MS = 5000;
// Clock difference tolerated on exp and nbf.
const CLOCK_TOLERANCE_S = 30;

const unauthorized = (message: string) => new AppException(ErrorCode.UNAUTHORIZED, message);

/**
 * JWTs, verified with jose: HS256 with AUTH_JWT_SECRET, or RS256/ES256 (and the other asymmetric
 * algorithms) with the keys at AUTH_JWKS_URL, cached and refetched when the provider rotates them.
 */
export class JwtVerifier {
  private readonly logger = new Logger(JwtVerifier.name);
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly adminClaim?: { path: string[]; value: string };

  constructor(private readonly config: AppConfig) {
    if (config.AUTH_JWT_SECRET) {
      this.key = new TextEncoder().encode(config.AUTH_JWT_SECRET);
      this.algorithms = ['HS256'];
    } else {
      this.key = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL as string), {
        cacheMaxAge: JWKS_CACHE_MS,
        cooldownDuration: JWKS_COOLDOWN_MS,
        timeoutDuration: JWKS_TIMEOUT_MS,
      });
      this.algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
    }
    if (config.AUTH_ADMIN_CLAIM) {
      const equals = config.AUTH_ADMIN_CLAIM.indexOf('=');
      this.adminClaim = {
        path: config.AUTH_ADMIN_CLAIM.slice(0, equals).split('.'),
        value: config.AUTH_ADMIN_CLAIM.slice(equals + 1),
      };
    }
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as JWTVerifyGetKey, {
        algorithms: this.algorithms,
        issuer: this.config.AUTH_ISSUER,
        audience: this.config.AUTH_AUDIENCE,
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (error) {
      throw this.failure(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw unauthorized('The token names no subject (sub)');
    }
    const id = principalId('jwt', payload.sub);
    return {
      id,
      admin: this.config.AUTH_ADMINS.includes(id) || this.hasAdminClaim(payload),
      expiresAt: payload.exp === undefined ? undefined : payload.exp * 1000,
    };
  }

  private hasAdminClaim(payload: JWTPayload): boolean {
    if (!this.adminClaim) {
      return false;
    }
    let value: unknown = payload;
    for (const step of this.adminClaim.path) {
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[step] : undefined;
    }
    const wanted = this.adminClaim.value;
    return Array.isArray(value) ? value.some((item) => String(item) === wanted) : String(value) === wanted;
  }

  /** A bad token is the caller's problem (401); keys that cannot be fetched are ours (503). */
  private failure(error: unknown): AppException {
    if (error instanceof errors.JWTExpired) {
      return unauthorized('The token has expired; sign in again');
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      return unauthorized(`The token's "${error.claim}" claim is not accepted (${error.reason})`);
    }
    // A fetch that failed, timed out, or got no key set (jose's generic error is a non-200 answer).
    const keysUnavailable =
      !(error instanceof errors.JOSEError) ||
      error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      error.code === 'ERR_JOSE_GENERIC';
    if (keysUnavailable) {
      this.logger.warn(`JWT keys could not be fetched from AUTH_JWKS_URL: ${(error as Error).message}`);
      return new AppException(ErrorCode.AUTH_UNAVAILABLE, 'Tokens cannot be verified right now; try again shortly');
    }
    return unauthorized('The token is not valid (malformed, or not signed by a trusted key)');
  }
}
