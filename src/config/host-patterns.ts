import { ValidatorConstraint } from 'class-validator';
import type { ValidatorConstraintInterface } from 'class-validator';

/** A DNS label: letters, digits, hyphens (not at either end) and underscores, which some internal names have. */
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/**
 * An entry of ALLOWED_HOSTS: a host name (`chat.example.com`) or a pattern for every name under a
 * domain (`*.example.com`, two labels at least), in any case; no port, scheme or path.
 */
export function isHostPattern(entry: string): boolean {
  const wildcard = entry.startsWith('*.');
  const labels = (wildcard ? entry.slice(2) : entry).split('.');
  return entry.length <= 253 && labels.every((label) => LABEL.test(label)) && (!wildcard || labels.length >= 2);
}

/** ALLOWED_HOSTS's rule, for class-validator: a bad entry stops start-up. */
@ValidatorConstraint({ name: 'hostPatterns' })
export class HostPatterns implements ValidatorConstraintInterface {
  validate(entries: unknown): boolean {
    return Array.isArray(entries) && entries.every((entry) => typeof entry === 'string' && isHostPattern(entry));
  }

  defaultMessage(): string {
    return 'ALLOWED_HOSTS takes host names (chat.example.com) or *.example.com patterns, comma-separated: no scheme, port or path';
  }
}
