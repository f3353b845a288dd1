import { AllowedHosts } from './allowed-hosts';
import { checkUrl } from './url-guard';

// DNS answers come from an injected resolver: nothing is looked up or connected to.
const answers: Record<string, string[]> = {
  'public.example': ['93.184.215.14'],
  'rebind.example': ['93.184.215.14', '127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'v6.example': ['2606:4700::1111'],
};
const resolve = async (host: string) => {
  if (!(host in answers)) {
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  }
  return answers[host];
};
const none = AllowedHosts.parse(undefined);

describe(checkUrl.name, () => {
  it('should pass a public host, with the address to connect to', async () => {
    expect(await checkUrl('https://public.example/mcp', none, resolve)).toMatchObject({
      ok: true,
      address: '93.184.215.14',
    });
    expect(await checkUrl('http://[2606:4700::1111]:8080/mcp', none, resolve)).toMatchObject({ ok: true });
  });

  it.each([
    ['http://127.0.0.1:3000/mcp', /127\.0\.0\.1 is a loopback address/],
    ['http://[::1]/mcp', /::1 is a loopback address/],
    ['http://[::ffff:127.0.0.1]/mcp', /loopback/],
    ['http://0.0.0.0:8080/', /unspecified/],
    ['http://metadata.example/', /metadata\.example is 169\.254\.169\.254, a cloud metadata address/],
    // Any address of the name counts: one public answer does not vouch for the others.
    ['http://rebind.example/', /rebind\.example is 127\.0\.0\.1, a loopback address/],
    ['http://nowhere.example/', /nowhere\.example does not resolve \(ENOTFOUND\)/],
    ['file:///etc/passwd', /file is not http or https/],
    ['ftp://public.example/', /ftp is not http or https/],
    ['not a url', /not a URL/],
  ])('should refuse %s, naming host and reason', async (url, reason) => {
    const verdict = await checkUrl(url, none, resolve);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
  });

  it('should let USER_MCP_ALLOWED_HOSTS exceptions through as written, and nothing else', async () => {
    const allowed = AllowedHosts.parse('127.0.0.1');
    expect(await checkUrl('http://127.0.0.1:3000/mcp', allowed, resolve)).toMatchObject({ ok: true });
    expect((await checkUrl('http://localhost:3000/mcp', allowed, async () => ['127.0.0.1'])).ok).toBe(false);
    expect((await checkUrl('http://127.0.0.2:3000/mcp', allowed, resolve)).ok).toBe(false);
  });
});
