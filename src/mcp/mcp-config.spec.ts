import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadMcpConfig, parseMcpConfig } from './mcp-config';

describe(parseMcpConfig.name, () => {
  it("should read Claude Desktop's format for stdio and remote servers", () => {
    const servers = parseMcpConfig(
      {
        mcpServers: {
          files: { command: 'npx', args: ['-y', 'server'], env: { TOKEN: 'x' }, cwd: '/tmp' },
          remote: { url: 'https://mcp.example.test/mcp', headers: { Authorization: 'Bearer t' } },
        },
      },
      'test.json',
    );
    expect(servers).toEqual([
      { name: 'files', transport: 'stdio', command: 'npx', args: ['-y', 'server'], env: { TOKEN: 'x' }, cwd: '/tmp' },
      {
        name: 'remote',
        transport: 'http',
        url: 'https://mcp.example.test/mcp',
        headers: { Authorization: 'Bearer t' },
      },
    ]);
  });

  it.each([
    [{ servers: {} }, /expected an object with "mcpServers"/],
    [{ mcpServers: { a: {} } }, /server "a": needs a non-empty "command"/],
    [{ mcpServers: { a: { command: 'x', args: [1] } } }, /server "a": "args" must be an array of strings/],
    [{ mcpServers: { a: { command: 'x', env: { N: 1 } } } }, /server "a": "env" must be an object of strings/],
    [{ mcpServers: { a: { command: 'x', autoStart: true } } }, /server "a": unknown field "autoStart"/],
    [{ mcpServers: { a: { url: 'ftp://x' } } }, /server "a": "url" must be an http\(s\) URL/],
    [{ mcpServers: { 'bad name': { command: 'x' } } }, /server "bad name": a server name may use only/],
  ])('should reject %j naming the server and field', (json, message) => {
    expect(() => parseMcpConfig(json, 'test.json')).toThrow(message);
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

  it('should fail when MCP_CONFIG names a missing file or invalid JSON', () => {
    expect(() => loadMcpConfig(join(dir, 'missing.json'), dir)).toThrow(/does not exist/);
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(() => loadMcpConfig(join(dir, 'bad.json'), dir)).toThrow(/not valid JSON/);
  });
});
