import { everythingConfig } from '../../test/fixtures/mcp-servers';
import { childProcesses } from '../../test/helpers/processes';
import type { McpServerConfig } from './mcp-config';
import { McpSessionClients } from './mcp-session-clients';
import type { McpStatusSink } from './mcp-session-clients';

const everything = everythingConfig();
const start = (timeoutMs = 20_000, signal = new AbortController().signal) => ({ timeoutMs, signal });

// Reads its stdin and never answers: a server stuck in start-up.
const silent: McpServerConfig = {
  name: 'silent',
  transport: 'stdio',
  command: process.execPath,
  args: ['-e', 'process.stdin.resume()'],
  env: {},
};

const everythingProcesses = () => childProcesses().filter((line) => line.includes('server-everything'));

describe(McpSessionClients.name, () => {
  let status: McpStatusSink & { failures: string[]; connections: string[] };
  let clients: McpSessionClients;

  beforeEach(() => {
    status = {
      failures: [],
      connections: [],
      connected(server) {
        this.connections.push(server);
      },
      failed(_server, message) {
        this.failures.push(message);
      },
    };
  });

  afterEach(async () => {
    await clients?.close();
  });

  it('should start lazily, list tools, call them, and stop its process on close', async () => {
    clients = new McpSessionClients('s1', [everything], status);
    expect(clients.ready).toBe(false);
    expect(everythingProcesses()).toHaveLength(0);

    expect(await clients.ensureStarted(start())).toEqual([]);
    expect(clients.ready).toBe(true);
    expect(clients.tools().map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect(await clients.call('echo', { message: 'hi' }, new AbortController().signal)).toEqual({
      content: 'Echo: hi',
      is_error: false,
    });
    expect(await clients.call('missing', {}, new AbortController().signal)).toEqual({
      content: 'Error: unknown tool "missing"',
      is_error: true,
    });
    expect(everythingProcesses()).toHaveLength(1);

    await clients.close();
    expect(everythingProcesses()).toHaveLength(0);
  });

  it('should report a server that cannot start, by name, and still start the others', async () => {
    const broken: McpServerConfig = {
      name: 'broken',
      transport: 'stdio',
      command: '/nonexistent/mcp-server',
      args: [],
      env: {},
    };
    clients = new McpSessionClients('s2', [broken, everything], status);
    const failures = await clients.ensureStarted(start());
    expect(failures).toEqual([
      { server: 'broken', message: expect.stringContaining('MCP server "broken" failed to start') },
    ]);
    expect(status.connections).toEqual(['everything']);
    expect(clients.tools().length).toBeGreaterThan(0);
  });

  it('should give up on a server that never answers initialize, and stop its process', async () => {
    clients = new McpSessionClients('s4', [silent], status);
    const failures = await clients.ensureStarted(start(300));
    expect(failures).toEqual([
      { server: 'silent', message: expect.stringMatching(/"silent" failed to start: .*timed out/i) },
    ]);
    expect(childProcesses().filter((line) => line.includes('process.stdin.resume'))).toEqual([]);
  });

  it('should stop starting when the turn is cancelled', async () => {
    clients = new McpSessionClients('s5', [silent], status);
    const cancel = new AbortController();
    const starting = clients.ensureStarted(start(60_000, cancel.signal));
    cancel.abort();
    expect(await starting).toEqual([
      { server: 'silent', message: expect.stringContaining('"silent" failed to start') },
    ]);
    // Cancelled, not broken: the server's status must not turn to error.
    expect(status.failures).toEqual([]);
  });

  it('should prefix tool names that two servers share', async () => {
    clients = new McpSessionClients('s3', [everything, { ...everything, name: 'twin' }], status);
    await clients.ensureStarted(start());
    const names = clients.tools().map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['everything__echo', 'twin__echo']));
    expect(await clients.call('twin__echo', { message: 'x' }, new AbortController().signal)).toEqual({
      content: 'Echo: x',
      is_error: false,
    });
  });
});
