import { connectSocket, runSocketTurn, toolCallsOf } from './helpers/events';
import type { SocketClient } from './helpers/events';
import { bearer, createSession } from './helpers/http';
import { AUDIENCE, ISSUER, startIdentityProvider } from './helpers/jwks';
import type { TestIdentityProvider } from './helpers/jwks';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const OPS_KEY = 'ops-key-0123456789abcdef';
const ARGV_SERVER = require.resolve('./fixtures/argv-server.cjs');
// Starts for everyone but carol (the notes fixture): her ${USER_ID} makes it exit.
const PICKY_SERVER = `if (process.argv[1] === 'jwt.carol') process.exit(3); require(${JSON.stringify(require.resolve('./fixtures/notes-server.cjs'))});`;

/** Principals are namespaced by their kind of credential, and ${USER_ID} is a safe token of the id. */
describe('identity: one person per identity (e2e)', () => {
  let idp: TestIdentityProvider;
  let t: TestApp;
  let jwtOps: string;
  const sockets: SocketClient[] = [];

  const get = async (path: string, credential: string) => {
    const response = await fetch(`${t.url}${path}`, { headers: bearer(credential) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    idp = await startIdentityProvider();
    t = await startApp({
      AUTH_API_KEYS: `ops:${OPS_KEY}`,
      AUTH_ADMINS: 'key:ops',
      AUTH_JWKS_URL: idp.jwksUrl,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      MCP_CONFIG: writeMcpConfig({
        argv: { command: process.execPath, args: [ARGV_SERVER, '--user', '${USER_ID}'], env: { OWNER: '${USER_ID}' } },
        picky: { command: process.execPath, args: ['-e', PICKY_SERVER, '${USER_ID}'] },
      }),
    });
    jwtOps = await idp.sign('ops');
  });

  afterAll(async () => {
    sockets.forEach((client) => client.socket.disconnect());
    await t?.close();
    await idp?.close();
    await waitForNoChildren(/argv-server/);
  });

  it('should tell an API key and a JWT subject of the same name apart, each seeing only their own sessions', async () => {
    expect((await get('/api/v3/me', OPS_KEY)).body).toMatchObject({ principal: 'key:ops', admin: true });
    expect((await get('/api/v3/me', jwtOps)).body).toMatchObject({ principal: 'jwt:ops', admin: false });

    const keys = await createSession(t.url, OPS_KEY);
    const tokens = await createSession(t.url, jwtOps);
    expect((await get(`/api/v3/sessions/${tokens}`, jwtOps)).body).toMatchObject({ owner: 'jwt:ops' });
    expect(await get(`/api/v3/sessions/${keys}`, jwtOps)).toEqual({
      status: 404,
      body: { error: { code: 'SESSION_NOT_FOUND', message: expect.any(String) } },
    });
    const listed = (await get('/api/v3/sessions', jwtOps)).body as { sessions: Array<{ session_id: string }> };
    expect(listed.sessions.map((session) => session.session_id)).toEqual([tokens]);
  });

  /** What the argv fixture says it was started with, in a turn of `credential`'s. */
  const startedWith = async (credential: string) => {
    const client = await connectSocket(t.url, credential);
    sockets.push(client);
    const turn = await runSocketTurn(client, '[[tool:argv {}]]');
    const done = toolCallsOf(client, turn.turnId).find((event) => event.data.status === 'succeeded');
    return JSON.parse(done?.data.result ?? '{}') as { argv: string[]; user: string };
  };

  it('should hand MCP servers ${USER_ID} as a safe token: readable when it can be, a digest when not', async () => {
    expect(await startedWith(OPS_KEY)).toEqual({ argv: ['--user', 'key.ops'], user: 'key.ops' });
    const evil = await idp.sign('--evil=1');
    const started = await startedWith(evil);
    expect(started.argv[1]).toMatch(/^jwt--[0-9a-f]{32}$/);
    expect(started.user).toBe(started.argv[1]);
    expect(JSON.stringify(started)).not.toContain('--evil');
  });

  it("should show what a session's servers went through to its owner and administrators only", async () => {
    const carol = await idp.sign('carol');
    const turn = await startedWith(carol);
    expect(turn.user).toBe('jwt.carol');
    const picky = async (credential: string) => {
      const { body } = await get('/api/v3/mcp/servers', credential);
      return (body.servers as Array<{ name: string; last_error?: string }>).find((server) => server.name === 'picky');
    };
    expect((await picky(carol))?.last_error).toEqual(expect.any(String));
    expect((await picky(OPS_KEY))?.last_error).toBe((await picky(carol))?.last_error);
    expect(await picky(await idp.sign('dave'))).not.toHaveProperty('last_error');
    expect(await picky(jwtOps)).not.toHaveProperty('last_error');
  });

  it('should stop start-up on an AUTH_ADMINS entry that does not name its kind', async () => {
    await expect(startApp({ AUTH_API_KEYS: `ops:${OPS_KEY}`, AUTH_ADMINS: 'ops' })).rejects.toThrow(
      /AUTH_ADMINS entries name their kind: key:<API key name> or jwt:<subject>/,
    );
  });
});
