import { createHash } from 'node:crypto';

/**
 * Who is calling, resolved once per request or connection. The id names the kind of credential, so
 * an API key and a JWT subject that share a name are two principals: `key:<name>`, `jwt:<sub>`, or
 * `local` (single-user mode).
 */
export interface Principal {
  readonly id: string;
  /** Administrators may list every session (`?all=true`), read and end any, and see health details. */
  readonly admin: boolean;
  /** When the credential stops being valid (epoch ms); API keys do not expire. */
  readonly expiresAt?: number;
}

/** The kinds of credential a principal id names. */
export type PrincipalKind = 'key' | 'jwt';

export const principalId = (kind: PrincipalKind, name: string): string => `${kind}:${name}`;

/** Single-user mode (no authentication configured): everyone who reaches the loopback port is this one user. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ id: 'local', admin: true });

// What a token may hold of a name as it is: characters safe in argv, env, paths, URLs and headers,
// not starting with "-" (an option) or "." (a hidden or parent folder).
const READABLE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/**
 * The principal as `${USER_ID}` and the name of its `${USER_DIR}` folder: `[A-Za-z0-9_.-]` only,
 * never starting with "-" or ".", stable and distinct per principal. Readable when the name fits
 * (`key:ops` is `key.ops`); a digest of the id otherwise (`jwt--<32 hex>`), which no readable token
 * can equal (a readable one has a "." after its kind).
 */
export function principalToken(id: string): string {
  if (id === LOCAL_PRINCIPAL.id) {
    return id;
  }
  const colon = id.indexOf(':');
  const kind = colon > 0 && /^[a-z]+$/.test(id.slice(0, colon)) ? id.slice(0, colon) : undefined;
  const name = id.slice(colon + 1);
  if (kind && READABLE.test(name)) {
    return `${kind}.${name}`;
  }
  return `${kind ?? 'id'}--${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}
