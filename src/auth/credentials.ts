/** The credential of an `Authorization: Bearer <credential>` header, if it is one. */
export function bearerCredential(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1];
}

/** A credential given as a query parameter, if exactly one string was given. */
export function queryCredential(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
