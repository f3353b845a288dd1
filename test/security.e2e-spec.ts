import { SignJWT } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';

import { ScriptedLlm } from './fixtures/scripted-llm';
import { startNode } from './helpers/app-node';
import type { AppNode } from './helpers/app-node';
import { connectSse } from './helpers/events';
import { bearer, createSession, postJson } from './helpers/http';

const API_KEY = 'alice-key-S3CRET-0123456789';
const JWT_SECRET = 'jwt-secret-S3CRET-0123456789abcdefghij';
const LLM_KEY = 'sk-llm-S3CRET-0123456789';

/**
 * The real process, as operators run it: what it logs, which headers it sends, what its health
 * tells strangers, and where it agrees to listen.
 */
describe('hardening (e2e)', () => {
  let llm: ScriptedLlm;
  let llmUrl: string;
  let dir: string;
  let node: AppNode | undefined;
  let token: string;
  const env = () => ({
    MCP_CONFIG: join(dir, 'mcp.json'),
    USERS_DIR: join(dir, 'users'),
    LLM_MODEL: 'openai:scripted',
    OPENAI_BASE_URL: llmUrl,
    OPENAI_API_KEY: LLM_KEY,
  });

  beforeAll(async () => {
    llm = new ScriptedLlm();
    llmUrl = await llm.start();
    dir = mkdtempSync(join(tmpdir(), 'mcp-host-security-'));
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: {} }));
    token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JWT_SECRET));
  });

  afterAll(async () => {
    await node?.stop();
    await llm.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should never write a key, token or secret to its logs, even at the most verbose level', async () => {
    node = await startNode({
      ...env(),
      LOG_LEVEL: 'verbose',
      AUTH_API_KEYS: `alice:${API_KEY}`,
      AUTH_JWT_SECRET: JWT_SECRET,
    });
    const wrong = `${API_KEY}-wrong`;
    const badJwt = `${token.slice(0, -4)}AAAA`;
    for (const credential of [wrong, badJwt, token, API_KEY]) {
      await fetch(`${node.url}/api/v3/sessions`, { headers: bearer(credential) });
      await fetch(`${node.url}/api/v3/chat/stream?access_token=${encodeURIComponent(credential)}&x=1`);
      await new Promise<void>((resolve) => {
        const socket = io(`${node!.url}/chat`, {
          transports: ['websocket'],
          forceNew: true,
          auth: { token: credential },
        });
        const done = () => {
          socket.disconnect();
          resolve();
        };
        socket.once('connect', done);
        socket.once('connect_error', done);
      });
    }
    const sessionId = await createSession(node.url, API_KEY);
    expect((await postJson(`${node.url}/chat`, { session_id: sessionId, message: 'hi' }, API_KEY)).status).toBe(200);
    const sse = await connectSse(node.url, sessionId, {}, API_KEY);
    sse.close();
    await node.stop();
    const output = node.output();
    expect(output).toContain('Authentication: 1 API key(s), HS256 JWTs');
    for (const secret of [API_KEY, wrong, JWT_SECRET, token, badJwt, LLM_KEY, 'S3CRET']) {
      expect(output).not.toContain(secret);
    }
    node = undefined;
  });

  it('should send security headers and a CSP that allows no inline script and no other origin', async () => {
    node = await startNode({ ...env(), AUTH_API_KEYS: `alice:${API_KEY}` });
    const page = await fetch(`${node.url}/pmc/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Its frames show view documents only, whatever a view does with its frame.
    expect(csp).toContain(`frame-src http://${new URL(node.url).host}/api/v3/views/ http://localhost:`);
    expect(csp).toMatch(/frame-src [^;]*http:\/\/localhost:\d+\/api\/v3\/views\/;/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const api = await fetch(`${node.url}/api/v3/sessions`);
    expect(api.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(api.headers.get('x-powered-by')).toBeNull();

    // Strangers learn that it is up, not where its LLM and Redis are.
    const health = await (await fetch(`${node.url}/health`)).text();
    expect(health).not.toContain(new URL(llmUrl).host);
    expect(health).not.toContain('scripted');
    await node.stop();
    node = undefined;
  });

  it('should listen beyond loopback without authentication only when AUTH_DISABLED=true, and warn', async () => {
    await expect(startNode({ ...env(), HOST: '0.0.0.0' })).rejects.toThrow(
      /HOST="0.0.0.0" with no authentication would let anyone who reaches it use the server/,
    );
    node = await startNode({ ...env(), HOST: '0.0.0.0', AUTH_DISABLED: 'true' });
    expect(node.output()).toMatch(
      /"level":"warn"[^\n]*AUTH_DISABLED=true: listening on 0\.0\.0\.0 with no authentication/,
    );
    await node.stop();
    node = undefined;
  });
});
