/** Who is calling: an API key's principal or a JWT's subject, resolved once per request or connection. */
export interface Principal {
  readonly id: string;
  /** Administrators may list every session (`?all=true`), read and end any, and see health details. */
  readonly admin: boolean;
  /** When the credential stops being valid (epoch ms); API keys do not expire. */
  readonly expiresAt?: number;
}

/** Single-user mode (no authentication configured): everyone who reaches the loopback port is this one user. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ id: 'local', admin: true });
