import ipaddr from 'ipaddr.js';
import type { IPv4, IPv6 } from 'ipaddr.js';
import { isIP } from 'node:net';

/** Why an address is not one the host may connect to for a user; undefined for a public unicast address. */
export type RefusalReason =
  | 'loopback'
  | 'unspecified'
  | 'private'
  | 'link-local'
  | 'cloud metadata'
  | 'carrier-grade NAT'
  | 'multicast'
  | 'reserved'
  | 'broadcast';

// ipaddr.js's range names, as this guard words them; every other name but `unicast` is refused as reserved.
const REASONS: Record<string, RefusalReason> = {
  loopback: 'loopback',
  unspecified: 'unspecified',
  private: 'private',
  uniqueLocal: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

/** Cloud metadata services, named apart from other link-local addresses. */
const METADATA = ['169.254.169.254', '169.254.170.2', 'fd00:ec2::254'];

/** An IPv6 address that stands for an IPv4 one (IPv4-mapped, NAT64's 64:ff9b::/96) is judged as that IPv4. */
function effective(address: IPv4 | IPv6): IPv4 | IPv6 {
  if (address.kind() !== 'ipv6') {
    return address;
  }
  const v6 = address as IPv6;
  if (v6.isIPv4MappedAddress()) {
    return v6.toIPv4Address();
  }
  if (v6.range() === 'rfc6052') {
    const bytes = v6.toByteArray().slice(12);
    return ipaddr.fromByteArray(bytes);
  }
  return v6;
}

/**
 * Why the host refuses to connect to this address for a user (USER_MCP_ALLOWED_HOSTS aside), or
 * undefined when it is public. Not an IP address at all: 'reserved'.
 */
export function refusalOf(ip: string): RefusalReason | undefined {
  if (!ipaddr.isValid(ip)) {
    return 'reserved';
  }
  const address = effective(ipaddr.parse(ip));
  const canonical = address.toNormalizedString();
  if (METADATA.some((metadata) => ipaddr.parse(metadata).toNormalizedString() === canonical)) {
    return 'cloud metadata';
  }
  const range = address.range();
  if (range === 'unicast') {
    return undefined;
  }
  return REASONS[range] ?? 'reserved';
}

/** A host as written in a URL, IPs in canonical form (brackets off IPv6). */
export function canonicalHost(hostname: string): string {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(bare)) {
    return ipaddr.parse(bare).toString();
  }
  return bare.toLowerCase().replace(/\.$/, '');
}
