import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadMcpConfig } from './mcp-config';
import { parseMcpConfig } from './mcp-config-parser';
import type { ParseContext } from './mcp-config-parser';
import { appDirectory, parseSandbox, realPath } from './mcp-sandbox-config';
import type { SandboxPolicy } from './mcp-sandbox-config';

describe(parseSandbox.name, () => {
  let dir: string;
  let policy: SandboxPolicy;
  let context: ParseContext;
  const parse = (entry: Record<string, unknown>, mode: 'on' | 'off' = 'on') =>
    parseMcpConfig({ mcpServers: { files: entry } }, { ...context, sandbox: { ...policy, mode } })[0];
  const stdio = (sandbox: unknown) => ({ command: process.execPath, sandbox });

  beforeEach(() => {
    dir = realPath(mkdtempSync(join(tmpdir(), 'sandbox-config-')));
    for (const folder of ['app', 'users/alice', 'data', 'etc']) {
      mkdirSync(join(dir, folder), { recursive: true });
    }
    writeFileSync(join(dir, 'etc', 'mcp.json'), '{}');
    policy = {
      mode: 'on',
      appDir: join(dir, 'app'),
      configFile: join(dir, 'etc', 'mcp.json'),
      usersDir: join(dir, 'users'),
    };
    context = { source: 'mcp.json', env: { PATH: process.env.PATH }, workspaceDir: join(dir, 'data') };
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should follow MCP_SANDBOX when an entry says nothing, and let an entry opt out', () => {
    expect(parse({ command: process.execPath })).toMatchObject({ sandbox: { enabled: true } });
    expect(parse({ command: process.execPath }, 'off')).toMatchObject({ sandbox: { enabled: false } });
    expect(parse(stdio(false))).toMatchObject({ sandbox: { enabled: false } });
    expect(parse(stdio(false), 'off')).toMatchObject({ sandbox: { enabled: false } });
  });

  it('should take limits and extra paths from an object', () => {
    const server = parse(
      stdio({
        memory_mb: 128,
        max_processes: 32,
        file_size_mb: 8,
        read_only: ['/usr/share'],
        writable: [join(dir, 'data')],
      }),
    );
    expect(server).toMatchObject({
      sandbox: {
        enabled: true,
        memoryMb: 128,
        maxProcesses: 32,
        fileSizeMb: 8,
        readOnly: ['/usr/share'],
        writable: [join(dir, 'data')],
      },
    });
  });

  it('should refuse a server that asks for a sandbox while MCP_SANDBOX is off, naming server and field', () => {
    expect(() => parse(stdio(true), 'off')).toThrow(
      /server "files": "sandbox" asks for a sandbox, but MCP_SANDBOX is off/,
    );
    expect(() => parse(stdio({ memory_mb: 64 }), 'off')).toThrow(/MCP_SANDBOX is off/);
  });

  it.each([
    ['a wrong type', 'yes', /"sandbox" must be true, false or an object/],
    ['an array', [], /"sandbox" must be true, false or an object/],
    ['an unknown sub-key', { network: true }, /unknown field "sandbox.network"/],
    ['a limit that is not a whole number', { memory_mb: 1.5 }, /"sandbox.memory_mb" must be a whole number/],
    ['a limit below its floor', { max_processes: 2 }, /"sandbox.max_processes" must be a whole number from 8/],
    ['paths that are not a list', { read_only: '/usr' }, /"sandbox.read_only" must be an array/],
    ['a relative path', { writable: ['data'] }, /"sandbox.writable\[0\]" must be an absolute path/],
    ['a path that does not exist', { read_only: ['/no/such/place'] }, /"sandbox.read_only\[0\]" .* does not exist/],
  ])('should refuse %s', (_case, sandbox, message) => {
    expect(() => parse(stdio(sandbox))).toThrow(message);
  });

  it('should refuse extra paths that are or hold the app, the MCP config or USERS_DIR, or lie inside USERS_DIR', () => {
    expect(() => parse(stdio({ read_only: [join(dir, 'app')] }))).toThrow(/would show the app's directory/);
    expect(() => parse(stdio({ read_only: [dir] }))).toThrow(/"sandbox.read_only\[0\]" .* would show/);
    expect(() => parse(stdio({ writable: [join(dir, 'etc')] }))).toThrow(/would show the MCP config/);
    expect(() => parse(stdio({ writable: [join(dir, 'users')] }))).toThrow(/would show USERS_DIR/);
    expect(() => parse(stdio({ read_only: [join(dir, 'users', 'alice')] }))).toThrow(/inside USERS_DIR/);
    // A link is followed: it cannot smuggle a forbidden folder in under another name.
    symlinkSync(join(dir, 'app'), join(dir, 'data', 'link'));
    expect(() => parse(stdio({ read_only: [join(dir, 'data', 'link')] }))).toThrow(/would show the app's directory/);
  });

  it('should refuse "sandbox" on a remote server', () => {
    expect(() => parse({ url: 'https://mcp.example.test/mcp', sandbox: true })).toThrow(
      /server "files": "sandbox" applies to stdio servers only/,
    );
    expect(() => parse({ url: 'https://mcp.example.test/mcp', sandbox: false })).toThrow(/stdio servers only/);
  });

  it('should sandbox the bundled servers when MCP_SANDBOX is on', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const loaded = loadMcpConfig('./mcp.config.json', join(dir, 'data'), {}, true, {
        mode: 'on',
        usersDir: policy.usersDir,
      });
      expect(loaded.servers.map((server) => server.transport === 'stdio' && server.sandbox.enabled)).toEqual([
        true,
        true,
      ]);
    } finally {
      process.chdir(cwd);
    }
  });

  it("should find the app's directory by its package.json", () => {
    expect(realPath(appDirectory())).toBe(realPath(join(__dirname, '..', '..', '..')));
  });
});
