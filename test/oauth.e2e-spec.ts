import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { OAuthStore } from '../src/mcp/oauth/oauth-store';
import { ScriptedLlm } from './fixtures/scripted-llm';
import { startNode } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer } from './helpers/http';
import { startProtectedServer } from './helpers/oauth-server';
import type { ProtectedServer } from './helpers/oauth-server';
import { freePort } from './helpers/ports';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitUntil } from './helpers/wait';

const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdef' };
type Who = keyof typeof KEYS;

/** What one browser holds: its credential, and the cookie a start set in it. */
interface Browser {
  who: Who;
  cookie?: string;
}

/** The routes a browser uses, against the app at `base`. */
function oauthRoutes(base: () => string) {
  const pending = async (who: Who) =>
    (
      (await (await fetch(`${base()}/api/v3/mcp/oauth/pending`, { headers: bearer(KEYS[who]) })).json()) as {
        pending: Record<string, unknown>[];
      }
    ).pending;

  /** The page's Connect: a fresh flow, and the cookie that binds it to this browser. */
  const start = async (browser: Browser, server = 'secure') => {
    const response = await fetch(`${base()}/api/v3/mcp/oauth/${server}/start`, {
      method: 'POST',
      headers: {
        ...bearer(KEYS[browser.who]),
        'content-type': 'application/json',
        ...(browser.cookie ? { cookie: browser.cookie } : {}),
      },
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      browser.cookie = setCookie.split(';')[0];
    }
    return {
      status: response.status,
      setCookie,
      body: (await response.json()) as { authorization_url?: string; error?: { code: string } },
    };
  };

  /** The user consents at the authorization server, which sends the browser to the host's callback. */
  const consent = async (authorizationUrl: string) => {
    const answer = await fetch(authorizationUrl, { redirect: 'manual' });
    const callback = new URL(answer.headers.get('location')!);
    expect(callback.pathname).toBe('/api/v3/mcp/oauth/callback');
    // The node listens on 127.0.0.1; PUBLIC_URL may say localhost.
    return `${base()}${callback.pathname}${callback.search}`;
  };

  /** The browser follows the redirect to the callback, with whatever cookie it holds: where it is sent. */
  const callback = async (url: string, browser?: Browser) => {
    const answer = await fetch(url, { redirect: 'manual', headers: browser?.cookie ? { cookie: browser.cookie } : {} });
    const to = new URL(answer.headers.get('location') ?? '', base());
    const params: { connected?: string; oauth_error?: string } = Object.fromEntries(to.searchParams);
    return { status: answer.status, page: to.pathname, ...params };
  };

  return { pending, start, consent, callback };
}

/** A remote MCP server that demands OAuth: each principal authorizes it once, in their own browser. */
describe('OAuth for remote MCP servers (e2e)', () => {
  let remote: ProtectedServer;
  let t: TestApp;
  const clients: SocketClient[] = [];
  const { pending, start, consent, callback } = oauthRoutes(() => t.url);

  beforeAll(async () => {
    remote = await startProtectedServer();
    const port = await freePort();
    t = await startApp(
      {
        AUTH_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob}`,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        MCP_CONFIG: writeMcpConfig({
          secure: { url: remote.url },
          notes: { command: process.execPath, args: [require.resolve('./fixtures/notes-server.cjs')] },
        }),
      },
      port,
    );
  });

  afterAll(async () => {
    clients.forEach((client) => client.socket.disconnect());
    await t?.close();
    remote?.process.kill();
  });

  const turn = async (who: Who, sessionId?: string) => {
    const client = await connectSocket(t.url, KEYS[who]);
    clients.push(client);
    return { client, ...(await runSocketTurn(client, '[[tool:secret {}]]', sessionId)) };
  };
  const storedTokens = (who: Who) => t.app.get(OAuthStore).get(`tokens:secure:key:${who}`);

  it("should ask each principal to authorize the server, then call it with that principal's token", async () => {
    const first = await turn('alice');
    const notice = first.client.recorder.events.find(
      (event) => event.type === 'error' && event.data.server === 'secure',
    );
    expect(notice?.data).toMatchObject({
      code: 'MCP_SERVER_FAILED',
      message: expect.stringMatching(/needs authorization/),
    });
    expect(first.end.data).toMatchObject({ content: expect.stringContaining('TOOL_NOT_AVAILABLE: no tool "secret"') });

    // The listing names the server only: nobody gets a URL without starting a flow in their browser.
    expect(await pending('alice')).toEqual([{ server: 'secure' }]);
    expect(await pending('bob')).toEqual([]);

    const alice: Browser = { who: 'alice' };
    const started = await start(alice);
    expect(started.status).toBe(200);
    expect(started.setCookie).toMatch(
      /^mcp_oauth=[\w-]{43}; Path=\/api\/v3\/mcp\/oauth; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
    );
    const authorization = new URL(started.body.authorization_url as string);
    expect(authorization.pathname).toBe('/authorize');
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('resource')).toBe(remote.url);
    const url = await consent(authorization.toString());

    // Alice's link, opened by someone else: no cookie, or bob's own, completes nothing.
    const bob: Browser = { who: 'bob' };
    expect((await start(bob)).status).toBe(200);
    for (const stranger of [undefined, bob, { who: 'bob' as Who, cookie: 'mcp_oauth=not-a-secret' }]) {
      expect(await callback(url, stranger)).toEqual({
        status: 302,
        page: '/pmc/',
        oauth_error: expect.stringMatching(/^OAUTH_STATE_MISMATCH: .*another browser/),
      });
    }
    expect(await storedTokens('alice')).toBeUndefined();
    expect(await storedTokens('bob')).toBeUndefined();
    expect(await pending('alice')).toEqual([{ server: 'secure' }]);

    // In her own browser the flow was still waiting: it completes, once.
    expect(await callback(url, alice)).toEqual({ status: 302, page: '/pmc/', connected: 'secure' });
    expect(await pending('alice')).toEqual([]);
    expect((await callback(url, alice)).oauth_error).toMatch(/^NOT_FOUND: .*used already/);

    const again = await turn('alice', first.sessionId);
    expect(again.end).toMatchObject({
      type: 'final_response',
      data: { content: expect.stringMatching(/^Observed: secret for client /) },
    });

    // Bob has no token of his own: the server still needs his authorization.
    const bobs = await turn('bob');
    expect(bobs.end.data).toMatchObject({ content: expect.stringContaining('TOOL_NOT_AVAILABLE: no tool "secret"') });
    expect(await pending('bob')).toEqual([{ server: 'secure' }]);

    // The token never leaves the server: not in events, server listings or health.
    const token = (JSON.parse((await storedTokens('alice'))!) as { tokens: { access_token: string } }).tokens
      .access_token;
    const seen = [
      JSON.stringify(again.client.recorder.events),
      await (await fetch(`${t.url}/api/v3/mcp/servers`, { headers: bearer(KEYS.alice) })).text(),
      await (await fetch(`${t.url}/health`, { headers: bearer(KEYS.alice) })).text(),
    ];
    for (const text of seen) {
      expect(text).not.toContain(token);
    }
  });

  it('should start flows only for configured remote servers, and only for a signed-in caller', async () => {
    for (const server of ['nowhere', 'notes']) {
      const answer = await start({ who: 'alice' }, server);
      expect(answer).toMatchObject({ status: 404, setCookie: null, body: { error: { code: 'NOT_FOUND' } } });
    }
    const anonymous = await fetch(`${t.url}/api/v3/mcp/oauth/secure/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('set-cookie')).toBeNull();
  });
});

/** The real process, logging everything: a callback's code and state are never written. */
describe('OAuth callback in the access log (e2e)', () => {
  let remote: ProtectedServer;
  let llm: ScriptedLlm;
  let dir: string;
  let node: AppNode | undefined;
  const { start, consent, callback } = oauthRoutes(() => node!.url);

  beforeAll(async () => {
    remote = await startProtectedServer();
    llm = new ScriptedLlm();
    dir = mkdtempSync(join(tmpdir(), 'mcp-host-oauth-'));
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { secure: { url: remote.url } } }));
    node = await startNode({
      MCP_CONFIG: join(dir, 'mcp.json'),
      USERS_DIR: join(dir, 'users'),
      LLM_MODEL: 'openai:scripted',
      OPENAI_BASE_URL: await llm.start(),
      OPENAI_API_KEY: 'test-key',
      AUTH_API_KEYS: `alice:${KEYS.alice}`,
      LOG_LEVEL: 'debug',
    });
  });

  afterAll(async () => {
    await node?.stop();
    await llm?.stop();
    remote?.process.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should redact the code and the state of a completed callback', async () => {
    const alice: Browser = { who: 'alice' };
    const url = await consent((await start(alice)).body.authorization_url as string);
    expect(await callback(url, alice)).toEqual({ status: 302, page: '/pmc/', connected: 'secure' });
    const { searchParams } = new URL(url);
    const [code, state] = [searchParams.get('code')!, searchParams.get('state')!];
    expect(code.length).toBeGreaterThan(8);
    expect(state.length).toBeGreaterThan(8);
    // The access line is written as the response ends, maybe after the client has it.
    await waitUntil(() => node!.output().includes('/api/v3/mcp/oauth/callback?'), 'the callback in the access log');
    const output = node!.output();
    expect(output).toContain('code=[redacted]&state=[redacted]');
    expect(output).not.toContain(code);
    expect(output).not.toContain(state);
  });
});
