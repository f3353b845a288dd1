import { Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';

import { AppException } from '../common/errors';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { authConfigured, isLoopback } from '../config/validate-environment';
import { ErrorCode } from '../contract/error-code';
import { ApiKeys, keyEntries } from './api-keys';
import { JwtVerifier } from './jwt-verifier';
import { LOCAL_PRINCIPAL, principalId } from './principal';
import type { Principal } from './principal';

// A compact JWS: three base64url parts, the header starting with `{"` (eyJ).
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/;
// Longer credentials are refused before any work is done on them.
const MAX_CREDENTIAL_CHARS = 8192;

/**
 * Turns a credential (API key or JWT) into a Principal, the one verifier behind the HTTP guard, the
 * socket.io handshake and the SSE stream. With no authentication configured, everyone is the
 * single local user.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  readonly enabled: boolean;
  private readonly apiKeys?: ApiKeys;
  private readonly jwt?: JwtVerifier;

  constructor(@InjectAppConfig() private readonly config: AppConfig) {
    this.enabled = authConfigured(config);
    if (config.AUTH_API_KEYS) {
      this.apiKeys = ApiKeys.parse(keyEntries(config.AUTH_API_KEYS, 'comma'), 'AUTH_API_KEYS');
    } else if (config.AUTH_API_KEYS_FILE) {
      this.apiKeys = ApiKeys.parse(
        keyEntries(this.readKeysFile(config.AUTH_API_KEYS_FILE), 'line'),
        'AUTH_API_KEYS_FILE',
      );
    }
    if (config.AUTH_JWT_SECRET || config.AUTH_JWKS_URL) {
      this.jwt = new JwtVerifier(config);
    }
    this.logger.log(this.describe());
    if (!this.enabled && !isLoopback(config.HOST)) {
      this.logger.warn(
        `AUTH_DISABLED=true: listening on ${config.HOST} with no authentication; anyone who reaches the port is the one user`,
      );
    }
  }

  /** The caller's principal; UNAUTHORIZED for a missing or bad credential (AUTH_UNAVAILABLE if keys cannot be fetched). */
  async authenticate(credential: string | undefined): Promise<Principal> {
    if (!this.enabled) {
      return LOCAL_PRINCIPAL;
    }
    if (!credential) {
      throw new AppException(
        ErrorCode.UNAUTHORIZED,
        'Authentication required: send an API key or token as "Authorization: Bearer <credential>"',
      );
    }
    if (credential.length > MAX_CREDENTIAL_CHARS) {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'The credential is not valid');
    }
    if (this.jwt && JWT_SHAPE.test(credential)) {
      return this.jwt.verify(credential);
    }
    const name = this.apiKeys?.match(credential);
    if (!name) {
      throw new AppException(ErrorCode.UNAUTHORIZED, 'The credential is not valid (unknown API key, or not a token)');
    }
    const id = principalId('key', name);
    return { id, admin: this.config.AUTH_ADMINS.includes(id) };
  }

  private readKeysFile(path: string): string {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(
        `AUTH_API_KEYS_FILE cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'} ${path}`,
        {
          cause: error,
        },
      );
    }
  }

  private describe(): string {
    if (!this.enabled) {
      return `Single-user mode (no authentication configured) on ${this.config.HOST}`;
    }
    const modes = [
      ...(this.apiKeys ? [`${this.apiKeys.size} API key(s)`] : []),
      ...(this.config.AUTH_JWT_SECRET ? ['HS256 JWTs'] : []),
      ...(this.config.AUTH_JWKS_URL ? [`JWTs from ${new URL(this.config.AUTH_JWKS_URL).host}`] : []),
    ];
    return `Authentication: ${modes.join(', ')}`;
  }
}
