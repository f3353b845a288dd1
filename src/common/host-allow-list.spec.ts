import { validateEnvironment } from '../config/validate-environment';
import { allowedHosts, HostAllowList, hostOf } from './host-allow-list';

describe(HostAllowList.name, () => {
  let hosts: HostAllowList;

  beforeEach(() => {
    hosts = new HostAllowList(['chat.example.com', '*.corp.example'], 'https://mcp.example.org');
  });

  it('should answer localhost, its sub-names and IP addresses, whatever the port', () => {
    for (const host of [
      'localhost',
      'localhost:8080',
      'LOCALHOST',
      'app.localhost:3000',
      '127.0.0.1:8080',
      '10.1.2.3',
      '[::1]:8080',
      '[::1]',
    ]) {
      expect({ host, allowed: hosts.allows(host) }).toEqual({ host, allowed: true });
    }
  });

  it("should answer PUBLIC_URL's host and the ALLOWED_HOSTS names and patterns, by whole labels and in any case", () => {
    for (const host of [
      'mcp.example.org',
      'chat.example.com:443',
      'Chat.Example.COM',
      'chat.example.com.',
      'a.corp.example',
      'b.a.corp.example:8443',
    ]) {
      expect({ host, allowed: hosts.allows(host) }).toEqual({ host, allowed: true });
    }
  });

  it('should refuse other names, look-alikes and malformed headers', () => {
    for (const host of [
      'evil.test:8080',
      'chat.example.com.evil.test',
      'evilchat.example.com',
      'corp.example',
      'xcorp.example',
      'localhost.evil.test',
      'example.org',
      '',
      undefined,
      '[::1',
      'host:port',
      'a b',
    ]) {
      expect({ host, allowed: hosts.allows(host) }).toEqual({ host, allowed: false });
    }
  });

  it('should name the host and the setting that admits it, without echoing what is not a host name', () => {
    expect(hosts.refusal('evil.test:8080')).toMatch(
      /^Host "evil\.test:8080" is not one this server answers: add its name to ALLOWED_HOSTS/,
    );
    expect(hosts.refusal('<script>')).toContain('"?script?"');
    expect(hosts.refusal(undefined)).toContain('no Host header');
  });

  it('should say what it answers, for the start-up summary', () => {
    expect(hosts.describe()).toBe(
      'localhost, *.localhost, IP addresses, mcp.example.org, chat.example.com, *.corp.example',
    );
  });
});

describe(hostOf.name, () => {
  it('should give the name without port or final dot, and an IPv6 address without brackets', () => {
    expect(hostOf('Chat.Example.com.:8080')).toBe('chat.example.com');
    expect(hostOf('[::1]:80')).toBe('::1');
    expect(hostOf('[::1]junk')).toBeUndefined();
  });
});

describe(allowedHosts.name, () => {
  it('should check Hosts without authentication, AUTH_DISABLED included', () => {
    expect(allowedHosts(validateEnvironment({}))).toBeInstanceOf(HostAllowList);
    expect(allowedHosts(validateEnvironment({ HOST: '0.0.0.0', AUTH_DISABLED: 'true' }))).toBeInstanceOf(HostAllowList);
  });

  it('should leave Hosts to the proxy with authentication, unless ALLOWED_HOSTS is set', () => {
    const keys = { AUTH_API_KEYS: 'ops:0123456789abcdef' };
    expect(allowedHosts(validateEnvironment(keys))).toBeUndefined();
    expect(
      allowedHosts(validateEnvironment({ ...keys, ALLOWED_HOSTS: 'chat.example.com' }))?.allows('chat.example.com'),
    ).toBe(true);
  });

  it('should stop start-up on a bad ALLOWED_HOSTS entry, naming the setting', () => {
    for (const bad of [
      'https://chat.example.com',
      'chat.example.com:8080',
      '*.com',
      'chat..example.com',
      'chat.example.com/path',
      '-bad.example',
    ]) {
      expect(() => validateEnvironment({ ALLOWED_HOSTS: bad })).toThrow(/ALLOWED_HOSTS/);
    }
  });
});
