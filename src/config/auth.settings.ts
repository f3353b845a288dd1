import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUrl, Matches, MinLength } from 'class-validator';

import { toBoolean, toList } from './transforms';

/** Identity: API keys, JWTs and who is an administrator. */
export class AuthSettings {
  /** API keys as comma-separated `principal:key` pairs (keys of 16 characters or more). */
  @IsOptional()
  @IsString()
  AUTH_API_KEYS?: string;

  /** A file of `principal:key` lines (# starts a comment), instead of AUTH_API_KEYS. */
  @IsOptional()
  @IsString()
  AUTH_API_KEYS_FILE?: string;

  /** Shared secret of HS256 JWTs (32 characters or more); the principal is the `sub` claim. */
  @IsOptional()
  @IsString()
  @MinLength(32)
  AUTH_JWT_SECRET?: string;

  /** JWKS of an OIDC provider (RS256/ES256 JWTs); needs AUTH_ISSUER and AUTH_AUDIENCE. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  AUTH_JWKS_URL?: string;

  /** Required `iss` of JWTs. */
  @IsOptional()
  @IsString()
  AUTH_ISSUER?: string;

  /** Required `aud` of JWTs. */
  @IsOptional()
  @IsString()
  AUTH_AUDIENCE?: string;

  /** `claim=value` marking a JWT's subject as an administrator (dots reach nested claims; arrays may contain it). */
  @IsOptional()
  @Matches(/^[\w.:-]+=.+$/, { message: 'AUTH_ADMIN_CLAIM must be claim=value, e.g. role=admin' })
  AUTH_ADMIN_CLAIM?: string;

  /** Principals that are administrators, each naming its kind: `key:<API key name>` or `jwt:<subject>`. */
  @Transform(toList)
  @Matches(/^(key|jwt):\S+$/, {
    each: true,
    message: 'AUTH_ADMINS entries name their kind: key:<API key name> or jwt:<subject> (e.g. key:ops)',
  })
  AUTH_ADMINS: string[] = [];

  /** With no authentication configured, allows a HOST other than loopback (anyone who reaches it is the one user). */
  @Transform(toBoolean)
  @IsBoolean()
  AUTH_DISABLED = false;
}
