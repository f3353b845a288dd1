import { isIP } from 'node:net';

import { canonicalHost, refusalOf } from './address-guard';
import type { AllowedHosts } from './allowed-hosts';

/** Every address a host name resolves to (Node's dns.promises.lookup with `all: true`, or a test's). */
export type Resolver = (host: string) => Promise<string[]>;

export type UrlVerdict =
  /** `address`: the one to connect to (checked; no second lookup), or none for an allowed host. */
  { ok: true; url: URL; address?: string } | { ok: false; reason: string };

/**
 * Whether the host may connect to a URL a user gave: http(s) only; a host of USER_MCP_ALLOWED_HOSTS
 * as written; else every address its name resolves to must be public (one that is loopback,
 * private, link-local, metadata, CGNAT, multicast or reserved refuses the URL, naming host and
 * reason). Nothing is sent: the caller connects to `address`.
 */
export async function checkUrl(raw: string, allowed: AllowedHosts, resolve: Resolver): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'it is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `${url.protocol.slice(0, -1)} is not http or https` };
  }
  const host = canonicalHost(url.hostname);
  if (allowed.allows(url)) {
    return { ok: true, url };
  }
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch (error) {
    return { ok: false, reason: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (addresses.length === 0) {
    return { ok: false, reason: `${host} does not resolve` };
  }
  for (const address of addresses) {
    const refusal = refusalOf(address);
    if (refusal) {
      return {
        ok: false,
        reason: `${host} is ${address === host ? '' : `${address}, `}a ${refusal} address (USER_MCP_ALLOWED_HOSTS lists exceptions)`,
      };
    }
  }
  return { ok: true, url, address: addresses[0] };
}
