import { isIP } from 'node:net';

import { canonicalHost } from './address-guard';

interface Entry {
  /** A canonical host, or the domain whose subdomains `*.` allows. */
  host: string;
  subdomains: boolean;
  port?: number;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|\*\.[a-zA-Z0-9.-]+|[a-zA-Z0-9.-]+)(?::(\d{1,5}))?$/;

/**
 * USER_MCP_ALLOWED_HOSTS: the exceptions to the address guard, matched against a URL's host as
 * written (IPs canonical): `host` (every port), `host:port`, `[v6]`, `[v6]:port`, `*.domain` (its
 * subdomains, not itself). `127.0.0.1` allows that address only: not `localhost`, `[::1]` or `127.0.0.2`.
 */
export class AllowedHosts {
  private constructor(private readonly entries: readonly Entry[]) {}

  /** Parses the setting; throws naming the first bad entry. */
  static parse(value: string | undefined): AllowedHosts {
    const entries = (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .map((item): Entry => {
        const match = HOST_PORT.exec(item);
        const port = match?.[2] === undefined ? undefined : Number(match[2]);
        const host = match?.[1];
        const bare = host?.startsWith('[') ? host.slice(1, -1) : host;
        if (
          !host ||
          (port !== undefined && (port < 1 || port > 65_535)) ||
          (host.startsWith('[') && isIP(bare!) !== 6)
        ) {
          throw new Error(
            `USER_MCP_ALLOWED_HOSTS entry ${JSON.stringify(item)} is not host, host:port, [v6], [v6]:port or *.domain`,
          );
        }
        return host.startsWith('*.')
          ? { host: host.slice(2).toLowerCase(), subdomains: true, port }
          : { host: canonicalHost(host), subdomains: false, port };
      });
    return new AllowedHosts(entries);
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** Whether the URL's host (and port) is an exception. */
  allows(url: URL): boolean {
    const host = canonicalHost(url.hostname);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return this.entries.some(
      (entry) =>
        (entry.port === undefined || entry.port === port) &&
        (entry.subdomains ? host.endsWith(`.${entry.host}`) : host === entry.host),
    );
  }
}
