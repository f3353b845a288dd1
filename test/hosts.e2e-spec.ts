import { startupSummary } from '../src/app.summary';
import { APP_CONFIG } from '../src/config/app-config';
import type { AppConfig } from '../src/config/app-config';
import { waitForNoChildren } from './helpers/processes';
import { requestAs, upgradeAs } from './helpers/raw-http';
import { noMcpServers, startApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const EVIL = 'evil.test:8080';
const KEY = 'ops-key-0123456789abcdef';

/** Every interface a page could drive: REST, POST /chat, SSE stream and send, socket.io, the page, Swagger. */
const INTERFACES: Array<[string, string, { method?: string; body?: unknown }?]> = [
  ['REST', '/api/v3/sessions'],
  ['REST, creating', '/api/v3/sessions', { method: 'POST', body: {} }],
  ['POST /chat', '/chat', { method: 'POST', body: { message: 'hello' } }],
  ['SSE stream', '/api/v3/chat/stream'],
  ['SSE send', '/api/v3/chat/send', { method: 'POST', body: { session_id: 'x', message: 'hello' } }],
  ['socket.io polling handshake', '/socket.io/?EIO=4&transport=polling'],
  ['the page', '/pmc/'],
  ['a static file', '/pmc/app.js'],
  ['the root', '/'],
  ['Swagger', '/api/docs-json'],
];

const summaryOf = (t: TestApp) => startupSummary(t.app, t.app.get<AppConfig>(APP_CONFIG));

describe('the Host allow-list (e2e)', () => {
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await waitForNoChildren();
  });

  it('should refuse a foreign Host with 421 HOST_NOT_ALLOWED on every interface, running nothing, and serve loopback names', async () => {
    t = await startApp({ MCP_CONFIG: noMcpServers() });
    const port = new URL(t.url).port;
    for (const [name, path, options] of INTERFACES) {
      const refused = await requestAs(t.url, EVIL, path, options);
      expect({ name, status: refused.status, body: JSON.parse(refused.body) as unknown }).toEqual({
        name,
        status: 421,
        body: {
          error: {
            code: 'HOST_NOT_ALLOWED',
            message: expect.stringMatching(/^Host "evil\.test:8080" .*ALLOWED_HOSTS/),
          },
        },
      });
    }
    expect(await upgradeAs(t.url, EVIL)).toBe('HTTP/1.1 421 Misdirected Request');
    // Nothing ran: no session was made, the model heard nothing.
    expect(t.llm.requests).toEqual([]);
    const listed = await requestAs(t.url, `localhost:${port}`, '/api/v3/sessions');
    expect(JSON.parse(listed.body)).toMatchObject({ sessions: [], total: 0 });

    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
      expect({ host, status: (await requestAs(t.url, host, '/api/v3/sessions')).status }).toEqual({
        host,
        status: 200,
      });
      expect({ host, upgrade: await upgradeAs(t.url, host) }).toEqual({
        host,
        upgrade: 'HTTP/1.1 101 Switching Protocols',
      });
    }
    const chat = await requestAs(t.url, `localhost:${port}`, '/chat', { method: 'POST', body: { message: 'hello' } });
    expect({ status: chat.status, response: (JSON.parse(chat.body) as { response: string }).response }).toEqual({
      status: 200,
      response: 'Echo: hello',
    });
  });

  it('should answer the liveness and readiness probes on any Host', async () => {
    t = await startApp({ MCP_CONFIG: noMcpServers() });
    expect((await requestAs(t.url, EVIL, '/health/live')).status).toBe(200);
    expect((await requestAs(t.url, EVIL, '/health/ready')).status).toBe(200);
    expect((await requestAs(t.url, EVIL, '/health')).status).toBe(421);
  });

  it("should serve ALLOWED_HOSTS' names and patterns and PUBLIC_URL's host, and refuse look-alikes", async () => {
    t = await startApp({
      MCP_CONFIG: noMcpServers(),
      ALLOWED_HOSTS: 'chat.example.com,*.corp.example',
      PUBLIC_URL: 'https://mcp.example.org',
    });
    for (const host of [
      'chat.example.com',
      'CHAT.example.com:443',
      'a.corp.example',
      'b.a.corp.example',
      'mcp.example.org',
    ]) {
      expect({ host, status: (await requestAs(t.url, host, '/api/v3/sessions')).status }).toEqual({
        host,
        status: 200,
      });
    }
    for (const host of ['chat.example.com.evil.test', 'corp.example', 'evilcorp.example', 'example.org']) {
      expect({ host, status: (await requestAs(t.url, host, '/api/v3/sessions')).status }).toEqual({
        host,
        status: 421,
      });
    }
    expect(summaryOf(t)).toContain(
      'Hosts: localhost, *.localhost, IP addresses, mcp.example.org, chat.example.com, *.corp.example',
    );
  });

  it('should leave Hosts to the proxy with authentication on and ALLOWED_HOSTS unset, and say so at start-up', async () => {
    t = await startApp({ MCP_CONFIG: noMcpServers(), AUTH_API_KEYS: `ops:${KEY}` });
    expect((await requestAs(t.url, EVIL, '/api/v3/sessions')).status).toBe(401);
    const listed = await requestAs(t.url, EVIL, '/api/v3/sessions', { headers: { authorization: `Bearer ${KEY}` } });
    expect(listed.status).toBe(200);
    expect(summaryOf(t)).toContain('Hosts: any (authentication on, ALLOWED_HOSTS unset)');
  });

  it('should check Hosts with authentication on once ALLOWED_HOSTS is set, before asking for a credential', async () => {
    t = await startApp({ MCP_CONFIG: noMcpServers(), AUTH_API_KEYS: `ops:${KEY}`, ALLOWED_HOSTS: 'chat.example.com' });
    expect((await requestAs(t.url, EVIL, '/api/v3/sessions')).status).toBe(421);
    expect((await requestAs(t.url, 'chat.example.com', '/api/v3/sessions')).status).toBe(401);
  });
});
