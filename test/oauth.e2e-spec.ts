import { OAuthStore } from '../src/mcp/oauth/oauth-store';
import { connectSocket, runSocketTurn } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer } from './helpers/http';
import { startProtectedServer } from './helpers/oauth-server';
import type { ProtectedServer } from './helpers/oauth-server';
import { freePort } from './helpers/ports';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdef' };

/** A remote MCP server that demands OAuth: each principal authorizes it once, in a browser, for themselves. */
describe('OAuth for remote MCP servers (e2e)', () => {
  let remote: ProtectedServer;
  let t: TestApp;
  const clients: SocketClient[] = [];

  beforeAll(async () => {
    remote = await startProtectedServer();
    const port = await freePort();
    t = await startApp(
      {
        AUTH_API_KEYS: `alice:${KEYS.alice},bob:${KEYS.bob}`,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        MCP_CONFIG: writeMcpConfig({ secure: { url: remote.url } }),
      },
      port,
    );
  });

  afterAll(async () => {
    clients.forEach((client) => client.socket.disconnect());
    await t?.close();
    remote?.process.kill();
  });

  const turn = async (who: keyof typeof KEYS, sessionId?: string) => {
    const client = await connectSocket(t.url, KEYS[who]);
    clients.push(client);
    return { client, ...(await runSocketTurn(client, '[[tool:secret {}]]', sessionId)) };
  };
  const pending = async (who: keyof typeof KEYS) =>
    (
      (await (await fetch(`${t.url}/api/v3/mcp/oauth/pending`, { headers: bearer(KEYS[who]) })).json()) as {
        pending: { server: string; authorization_url: string }[];
      }
    ).pending;

  /** What a browser does: the authorization server consents and redirects to the host's callback. */
  const authorizeInBrowser = async (authorizationUrl: string) => {
    const consent = await fetch(authorizationUrl, { redirect: 'manual' });
    const callback = consent.headers.get('location')!;
    expect(callback.startsWith(`${t.url}/api/v3/mcp/oauth/callback?`)).toBe(true);
    const done = await fetch(callback, { redirect: 'manual' });
    return { callback, status: done.status, location: done.headers.get('location') };
  };

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

    const [waiting] = await pending('alice');
    expect(waiting).toMatchObject({ server: 'secure', authorization_url: expect.stringMatching(/\/authorize\?/) });
    const authorization = new URL(waiting.authorization_url);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('resource')).toBe(remote.url);
    // Only alice's: nobody else sees (or can complete) her authorization.
    expect(await pending('bob')).toEqual([]);

    const { callback, status, location } = await authorizeInBrowser(waiting.authorization_url);
    expect({ status, location }).toEqual({ status: 302, location: '/pmc/?connected=secure' });
    expect(await pending('alice')).toEqual([]);
    // The state is used once.
    expect((await fetch(callback, { redirect: 'manual' })).headers.get('location')).toMatch(/^\/pmc\/\?oauth_error=/);

    const again = await turn('alice', first.sessionId);
    expect(again.end).toMatchObject({
      type: 'final_response',
      data: { content: expect.stringMatching(/^Observed: secret for client /) },
    });

    // Bob has no token of his own: the server still needs his authorization.
    const bobs = await turn('bob');
    expect(bobs.end.data).toMatchObject({ content: expect.stringContaining('TOOL_NOT_AVAILABLE: no tool "secret"') });
    expect(await pending('bob')).toEqual([expect.objectContaining({ server: 'secure' })]);

    // The token never leaves the server: not in events, server listings or health.
    const stored = (await t.app.get(OAuthStore).get('tokens:secure:key:alice'))!;
    const token = (JSON.parse(stored) as { tokens: { access_token: string } }).tokens.access_token;
    const seen = [
      JSON.stringify(again.client.recorder.events),
      await (await fetch(`${t.url}/api/v3/mcp/servers`, { headers: bearer(KEYS.alice) })).text(),
      await (await fetch(`${t.url}/health`, { headers: bearer(KEYS.alice) })).text(),
    ];
    for (const text of seen) {
      expect(text).not.toContain(token);
    }
  });
});
