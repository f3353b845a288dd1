import { fakeRemote, fakeServer } from '../../../test/fakes/fake-mcp';
import { validateEnvironment } from '../../config/validate-environment';
import { ErrorCode } from '../../contract/error-code';
import { McpServers } from './mcp-servers';

describe(McpServers.name, () => {
  let servers: McpServers;

  beforeEach(() => {
    servers = new McpServers(
      {
        servers: [
          fakeServer('files', { requireApproval: 'always' }),
          fakeServer('git'),
          fakeServer('later', { disabled: true }),
          fakeRemote('remote'),
        ],
        source: '/etc/mcp.json',
        workspaceDir: '/srv/workspace',
      },
      validateEnvironment({ MCP_APPROVAL_DEFAULT: 'writes' }),
    );
  });

  it("should resolve approval modes: the server's own, else MCP_APPROVAL_DEFAULT", () => {
    expect(servers.all.map((server) => [server.name, server.requireApproval])).toEqual([
      ['files', 'always'],
      ['git', 'writes'],
      ['later', 'writes'],
      ['remote', 'writes'],
    ]);
    expect(servers.source).toBe('/etc/mcp.json');
  });

  it('should leave disabled servers out of what sessions get, and keep them listed', () => {
    expect(servers.enabled.map((server) => server.name)).toEqual(['files', 'git', 'remote']);
    expect(servers.byName('later').disabled).toBe(true);
  });

  it('should answer NOT_FOUND for a server nobody configured, and for a remote lookup of a stdio one', () => {
    expect(servers.remoteNames()).toEqual(['remote']);
    expect(servers.remote('remote').name).toBe('remote');
    expect(() => servers.byName('ghost')).toThrow(expect.objectContaining({ code: ErrorCode.NOT_FOUND }));
    expect(() => servers.remote('git')).toThrow(expect.objectContaining({ code: ErrorCode.NOT_FOUND }));
  });
});
