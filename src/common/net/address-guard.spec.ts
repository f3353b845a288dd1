import { canonicalHost, refusalOf } from './address-guard';
import { AllowedHosts } from './allowed-hosts';

// Judged without connecting: no traffic leaves the machine.
describe(refusalOf.name, () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.0.0.2', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.7', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.10.10', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    // IPv4-mapped and NAT64 addresses are judged by their IPv4.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'cloud metadata'],
    ['not-an-address', 'reserved'],
  ])('should refuse %s as %s', (ip, reason) => {
    expect(refusalOf(ip)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('should allow %s', (ip) => {
    expect(refusalOf(ip)).toBeUndefined();
  });

  it('should write hosts canonically', () => {
    expect(canonicalHost('[::FFFF:127.0.0.1]')).toBe('::ffff:7f00:1');
    expect(canonicalHost(new URL('http://[::ffff:127.0.0.1]:1/').hostname)).toBe('::ffff:7f00:1');
    expect(canonicalHost('Example.COM.')).toBe('example.com');
  });
});

describe(AllowedHosts.name, () => {
  const allowed = AllowedHosts.parse('127.0.0.1, mcp.internal:8443, [::1]:9000, *.corp.example');
  const allows = (url: string) => allowed.allows(new URL(url));

  it('should allow an address on every port, and nothing that merely resolves or looks alike', () => {
    expect(allows('http://127.0.0.1:3000/mcp')).toBe(true);
    expect(allows('http://127.0.0.1/mcp')).toBe(true);
    expect(allows('http://localhost:3000/mcp')).toBe(false);
    expect(allows('http://127.0.0.2:3000/mcp')).toBe(false);
    expect(allows('http://[::1]:3000/mcp')).toBe(false);
  });

  it('should hold a port when one is named, and subdomains for *.domain', () => {
    expect(allows('https://mcp.internal:8443/')).toBe(true);
    expect(allows('https://mcp.internal/')).toBe(false);
    expect(allows('http://[::1]:9000/')).toBe(true);
    expect(allows('http://[0:0:0:0:0:0:0:1]:9000/')).toBe(true);
    expect(allows('https://a.corp.example/')).toBe(true);
    expect(allows('https://corp.example/')).toBe(false);
    expect(allows('https://evilcorp.example/')).toBe(false);
  });

  it.each(['a b', 'host:99999', '[not-v6]', 'http://x', '*.'])('should refuse the entry %j by name', (entry) => {
    expect(() => AllowedHosts.parse(entry)).toThrow(`USER_MCP_ALLOWED_HOSTS entry ${JSON.stringify(entry)}`);
  });
});
