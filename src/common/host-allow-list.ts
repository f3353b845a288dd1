import { isIP } from 'node:net';

import type { AppConfig } from '../config/app-config';
import { authConfigured } from '../config/validate-environment';
import type { AuthSetting } from '../config/validate-environment';

// Echoed in a refusal only this far, and only in these characters.
const ECHO_CHARS = 100;

/**
 * The host names this server answers, so that a web page whose name rebinds to this machine's
 * address cannot drive it (its requests carry its own name as Host): localhost and *.localhost, IP
 * addresses (a rebinding page has a name, not an address), PUBLIC_URL's host, and ALLOWED_HOSTS
 * (names, or `*.example.com` for every name under that domain). Whole labels, any case, port ignored.
 */
export class HostAllowList {
  private readonly names: Set<string>;
  private readonly domains: string[];

  constructor(
    readonly entries: readonly string[],
    publicUrl: string,
  ) {
    const publicHost = new URL(publicUrl).hostname.toLowerCase();
    const lower = entries.map((entry) => entry.toLowerCase().replace(/\.$/, ''));
    this.names = new Set(['localhost', publicHost, ...lower.filter((entry) => !entry.startsWith('*.'))]);
    this.domains = ['.localhost', ...lower.filter((entry) => entry.startsWith('*.')).map((entry) => entry.slice(1))];
  }

  /** Whether Host names this server: a request for any other name is refused. */
  allows(hostHeader: string | undefined): boolean {
    const host = hostOf(hostHeader);
    if (host === undefined) {
      return false;
    }
    return isIP(host) !== 0 || this.names.has(host) || this.domains.some((domain) => host.endsWith(domain));
  }

  /** The refusal's words: the host, and the setting that admits it. */
  refusal(hostHeader: string | undefined): string {
    if (!hostHeader) {
      return 'The request has no Host header; this server answers only the names it is told (ALLOWED_HOSTS)';
    }
    const shown = hostHeader.slice(0, ECHO_CHARS).replace(/[^\w.:[\]-]/g, '?');
    return `Host "${shown}" is not one this server answers: add its name to ALLOWED_HOSTS (localhost, IP addresses and PUBLIC_URL's host need nothing)`;
  }

  /** For the start-up summary. */
  describe(): string {
    return [
      'localhost',
      '*.localhost',
      'IP addresses',
      ...[...this.names].filter((name) => name !== 'localhost'),
      ...this.domains.filter((domain) => domain !== '.localhost').map((domain) => `*${domain}`),
    ].join(', ');
  }
}

/**
 * The name a Host header gives, lower case, without its port or a final dot; an IPv6 address
 * without its brackets; undefined when there is none or it is malformed.
 */
export function hostOf(header: string | undefined): string | undefined {
  const value = header?.trim().toLowerCase();
  if (!value) {
    return undefined;
  }
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    const rest = value.slice(end + 1);
    return end > 0 && (rest === '' || /^:\d{1,5}$/.test(rest)) ? value.slice(1, end) : undefined;
  }
  const match = /^([^:]+?)\.?(?::\d{1,5})?$/.exec(value);
  return match ? match[1] : undefined;
}

/**
 * The names this server answers, or undefined when it answers any: the check applies always without
 * authentication (single-user, AUTH_DISABLED too); with authentication, once ALLOWED_HOSTS is set (a
 * rebinding page has no bearer credential, and the proxy in front decides which names reach it).
 */
export function allowedHosts(
  config: Pick<AppConfig, AuthSetting | 'ALLOWED_HOSTS' | 'PUBLIC_URL'>,
): HostAllowList | undefined {
  const checked = !authConfigured(config) || config.ALLOWED_HOSTS.length > 0;
  return checked ? new HostAllowList(config.ALLOWED_HOSTS, config.PUBLIC_URL) : undefined;
}
