import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadMcpConfig } from './mcp-config';
import { parseMcpConfig } from './mcp-config-parser';
import type { ParseContext } from './mcp-config-parser';
import { DEFAULT_POLICY } from './mcp-config-policy';

const context: ParseContext = {
  source: 'test.json',
  env: { PATH: process.env.PATH, API_TOKEN: 'secret-token', HOST_NAME: 'mcp.example.test' },
  workspaceDir: '/srv/workspace',
};
const parse = (mcpServers: Record<string, unknown>) => parseMcpConfig({ mcpServers }, context);

describe(parseMcpConfig.name, () => {
  it("should read Claude Desktop's format for stdio and remote servers, with defaults for the optional keys", () => {
    expect(
      parse({
        files: { command: 'node', args: ['server.js'], env: { TOKEN: 'x' }, cwd: '/tmp' },
        remote: { url: 'https://mcp.example.test/mcp', headers: { Authorization: 'Bearer t' } },
        legacy: { type: 'sse', url: 'http://127.0.0.1:3001/sse' },
      }),
    ).toEqual([
      {
        name: 'files',
        transport: 'stdio',
        command: 'node',
        args: ['server.js'],
        env: { TOKEN: 'x' },
        cwd: '/tmp',
        sandbox: { enabled: false },
        ...DEFAULT_POLICY,
      },
      {
        name: 'remote',
        transport: 'http',
        url: 'https://mcp.example.test/mcp',
        headers: { Authorization: 'Bearer t' },
        ...DEFAULT_POLICY,
      },
      { name: 'legacy', transport: 'sse', url: 'http://127.0.0.1:3001/sse', headers: {}, ...DEFAULT_POLICY },
    ]);
  });

  it('should take the optional keys this host adds', () => {
    const [server] = parse({
      db: {
        command: 'node',
        scope: 'shared',
        timeout_ms: 5000,
        max_timeout_ms: 20_000,
        allowed_tools: ['query'],
        blocked_tools: ['drop'],
        disabled: false,
      },
    });
    expect(server).toMatchObject({
      scope: 'shared',
      timeoutMs: 5000,
      maxTimeoutMs: 20_000,
      allowedTools: ['query'],
      blockedTools: ['drop'],
      disabled: false,
    });
  });

  it('should fill ${VAR} and ${VAR:-default} from the environment in args, env, url and headers', () => {
    const [local, remote] = parse({
      local: {
        command: 'node',
        args: ['--token=${API_TOKEN}', '${WORKSPACE_DIR}', '--dir=${SESSION_DIR}'],
        env: { TOKEN: '${API_TOKEN}', LEVEL: '${LOG_LEVEL:-info}' },
      },
      remote: { url: 'https://${HOST_NAME}/mcp', headers: { Authorization: 'Bearer ${API_TOKEN}' } },
    });
    expect(local).toMatchObject({
      args: ['--token=secret-token', '/srv/workspace', '--dir=${SESSION_DIR}'],
      env: { TOKEN: 'secret-token', LEVEL: 'info' },
    });
    expect(remote).toMatchObject({
      url: 'https://mcp.example.test/mcp',
      headers: { Authorization: 'Bearer secret-token' },
    });
  });

  it('should not check the command of a disabled server', () => {
    expect(parse({ later: { command: 'not-installed-yet', disabled: true } })[0]).toMatchObject({ disabled: true });
  });

  it.each([
    [{ servers: {} }, /expected an object with "mcpServers"/],
    [{ mcpServers: { a: {} } }, /server "a": needs a non-empty "command"/],
    [{ mcpServers: { a: { command: 'node', args: [1] } } }, /server "a": "args" must be an array of strings/],
    [{ mcpServers: { a: { command: 'node', env: { N: 1 } } } }, /server "a": "env" must be an object of strings/],
    [{ mcpServers: { a: { command: 'node', autoStart: true } } }, /server "a": unknown field "autoStart"/],
    [{ mcpServers: { a: { url: 'https://x.test', command: 'node' } } }, /server "a": unknown field "url"/],
    [{ mcpServers: { a: { url: 'ftp://x' } } }, /server "a": "url" must be an http\(s\) URL/],
    [{ mcpServers: { a: { type: 'websocket', url: 'https://x.test' } } }, /server "a": "type" must be one of/],
    [{ mcpServers: { 'bad name': { command: 'node' } } }, /server "bad name": a server name may use only/],
    [
      { mcpServers: { a: { command: 'mcp-server-that-does-not-exist' } } },
      /server "a": "command" "mcp-server-that-does-not-exist" was not found on PATH/,
    ],
    [
      { mcpServers: { a: { command: './missing/server.sh' } } },
      /server "a": "command" ".\/missing\/server.sh" does not exist/,
    ],
    [
      { mcpServers: { a: { command: 'node', args: ['${MISSING_SECRET}'] } } },
      /server "a": "args\[0\]" uses \$\{MISSING_SECRET\}, which is not set/,
    ],
    [
      { mcpServers: { a: { url: 'https://x.test', headers: { Authorization: '${NOPE}' } } } },
      /server "a": "headers.Authorization" uses \$\{NOPE\}/,
    ],
    [{ mcpServers: { a: { command: 'node', scope: 'global' } } }, /server "a": "scope" must be "session" or "shared"/],
    [
      { mcpServers: { a: { command: 'node', scope: 'shared', env: { F: '${SESSION_DIR}/x' } } } },
      /server "a": a "shared" server cannot use \$\{SESSION_ID\}/,
    ],
    [{ mcpServers: { a: { command: 'node', timeout_ms: '5s' } } }, /server "a": "timeout_ms" must be a whole number/],
    [
      { mcpServers: { a: { command: 'node', timeout_ms: 5000, max_timeout_ms: 1000 } } },
      /server "a": "max_timeout_ms" \(1000\) must be at least "timeout_ms" \(5000\)/,
    ],
    [{ mcpServers: { a: { command: 'node', disabled: 'yes' } } }, /server "a": "disabled" must be true or false/],
    [
      { mcpServers: { a: { command: 'node', allowed_tools: 'echo' } } },
      /server "a": "allowed_tools" must be an array of strings/,
    ],
    [
      { mcpServers: { a: { command: 'node', allowed_tools: ['x'], blocked_tools: ['x'] } } },
      /server "a": tool "x" is in both/,
    ],
  ])('should reject %j naming the server and field', (json, message) => {
    expect(() => parseMcpConfig(json, context)).toThrow(message);
  });
});

describe(loadMcpConfig.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-config-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('should fall back to the bundled filesystem and memory servers when the default file is absent', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const loaded = loadMcpConfig('./mcp.config.json', join(dir, 'workspace'));
      expect(loaded.source).toBe('default');
      expect(loaded.servers.map((server) => server.name)).toEqual(['filesystem', 'memory']);
      expect(loaded.servers[0]).toMatchObject({
        command: process.execPath,
        args: [expect.stringContaining('server-filesystem'), join(dir, 'workspace')],
      });
    } finally {
      process.chdir(cwd);
    }
  });

  it('should read variables from the environment it is given', () => {
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { a: { url: 'https://${MCP_HOST}/mcp' } } }));
    expect(loadMcpConfig(join(dir, 'mcp.json'), dir, { MCP_HOST: 'h.test' }).servers[0]).toMatchObject({
      url: 'https://h.test/mcp',
    });
  });

  it('should fail when MCP_CONFIG names a missing file or invalid JSON', () => {
    expect(() => loadMcpConfig(join(dir, 'missing.json'), dir)).toThrow(/does not exist/);
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(() => loadMcpConfig(join(dir, 'bad.json'), dir)).toThrow(/not valid JSON/);
  });
});
