import { FakeConnector, fakeServer, tool } from '../../test/fakes/fake-mcp';
import { everythingConfig } from '../../test/fixtures/mcp-servers';
import { RecordingHost } from '../../test/fixtures/recording-host';
import { mcpLayer } from '../../test/helpers/mcp-layer';
import { childProcesses, waitForExit, waitForNoChildren } from '../../test/helpers/processes';
import { ErrorCode } from '../contract/error-code';
import type { McpServerConfig } from './config/mcp-config';
import { DEFAULT_POLICY } from './config/mcp-config-policy';
import { McpSessionClients } from './mcp-session-clients';
import type { McpService } from './mcp.service';

const everything = everythingConfig();
const start = (timeoutMs = 20_000, signal = new AbortController().signal) => ({ timeoutMs, signal });
const call = { signal: new AbortController().signal };

// Reads its stdin and never answers: a server stuck in start-up.
const silent: McpServerConfig = {
  name: 'silent',
  transport: 'stdio',
  command: process.execPath,
  args: ['-e', 'process.stdin.resume()'],
  env: {},
  sandbox: { enabled: false },
  ...DEFAULT_POLICY,
};

const everythingProcesses = () => childProcesses().filter((line) => line.includes('server-everything'));

function service(servers: McpServerConfig[], env: Record<string, string> = {}): Promise<McpService> {
  return mcpLayer(servers, { MCP_RESTART_BASE_MS: '50', MCP_START_TIMEOUT_MS: '20000', ...env });
}

describe(`${McpSessionClients.name} with real servers`, () => {
  let mcp: McpService;
  let clients: McpSessionClients;

  afterEach(async () => {
    await mcp?.onApplicationShutdown();
  });

  it('should start lazily, list tools, call them, and stop its process on close', async () => {
    mcp = await service([everything]);
    clients = mcp.forSession(new RecordingHost('s1'));
    expect(clients.ready).toBe(false);
    expect(everythingProcesses()).toHaveLength(0);

    expect(await clients.ensureStarted(start())).toEqual([]);
    expect(clients.ready).toBe(true);
    expect(clients.tools().map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect(await clients.call('echo', { message: 'hi' }, call)).toEqual({ content: 'Echo: hi', is_error: false });
    expect(await clients.call('missing', {}, call)).toEqual({
      content: 'Error: unknown tool "missing"',
      is_error: true,
    });
    expect(everythingProcesses()).toHaveLength(1);

    await mcp.release(clients);
    expect(everythingProcesses()).toHaveLength(0);
  });

  it("should validate structuredContent against the tool's outputSchema: the model sees a mismatch as an error", async () => {
    const structured: McpServerConfig = {
      name: 'structured',
      transport: 'stdio',
      command: process.execPath,
      args: [require.resolve('../../test/fixtures/structured-server.cjs')],
      env: {},
      sandbox: { enabled: false },
      ...DEFAULT_POLICY,
    };
    mcp = await service([structured]);
    clients = mcp.forSession(new RecordingHost('s1'));
    expect(await clients.ensureStarted(start())).toEqual([]);
    expect(await clients.call('count', {}, call)).toEqual({
      content: 'There are three apples.\n{"count":3,"unit":"apples"}',
      is_error: false,
    });
    expect(await clients.call('miscount', {}, call)).toEqual({
      content: expect.stringMatching(/^Error: .*(output schema|structured content)/i),
      is_error: true,
    });
  });

  it('should give up on a server that never answers initialize, and stop its process', async () => {
    mcp = await service([{ ...silent, protocol: '2025-11-25' }], { MCP_START_TIMEOUT_MS: '300' });
    clients = mcp.forSession(new RecordingHost('s4'));
    expect(await clients.ensureStarted(start(5000))).toEqual([
      {
        server: 'silent',
        code: ErrorCode.MCP_SERVER_FAILED,
        message: expect.stringMatching(/"silent" failed to start: .*timed out/i),
      },
    ]);
    expect(childProcesses().filter((line) => line.includes('process.stdin.resume'))).toEqual([]);
  });

  it('should give up on an auto server that answers nothing within the start timeout, probe included', async () => {
    mcp = await service([silent], { MCP_START_TIMEOUT_MS: '400' });
    clients = mcp.forSession(new RecordingHost('s4b'));
    expect(await clients.ensureStarted(start(5000))).toEqual([
      expect.objectContaining({ server: 'silent', message: expect.stringMatching(/timed out after 400 ms/) }),
    ]);
    // The session's process is gone; the SDK's probe process (spawned beside it) is reaped by the SDK.
    await waitForNoChildren(/process\.stdin\.resume/);
  });

  it('should restart a server that was killed, re-read its tools and tell the session', async () => {
    mcp = await service([everything]);
    const host = new RecordingHost('s7');
    clients = mcp.forSession(host);
    await clients.ensureStarted(start());
    const [pid] = childProcesses()
      .filter((line) => line.includes('server-everything'))
      .map((line) => Number.parseInt(line, 10));
    process.kill(pid, 'SIGKILL');
    await host.waitForStatus((change) => change.state === 'ready');

    expect(host.statuses.map((change) => change.state)).toEqual(['restarting', 'ready']);
    expect(host.statuses[1]).toMatchObject({ attempt: 1, tools: expect.arrayContaining(['echo']) });
    await waitForExit([pid]);
    expect(await clients.call('echo', { message: 'back' }, call)).toEqual({ content: 'Echo: back', is_error: false });
  });
});

describe(McpSessionClients.name, () => {
  let connector: FakeConnector;
  let host: RecordingHost;
  let mcp: McpService;
  let clients: McpSessionClients;

  const sessionOf = async (servers: McpServerConfig[], env: Record<string, string> = {}) => {
    mcp = await mcpLayer(servers, { MCP_RESTART_BASE_MS: '1', ...env }, { connector });
    clients = mcp.forSession(host);
  };

  beforeEach(() => {
    connector = new FakeConnector();
    connector.tools = [tool('echo'), tool('get-sum'), tool('get-tiny-image')];
    host = new RecordingHost('s1');
  });

  afterEach(async () => {
    await mcp.onApplicationShutdown();
  });

  it('should start nothing once closed: a read racing the end finds no session', async () => {
    await sessionOf([fakeServer('everything')]);
    await mcp.release(clients);
    expect(() => clients.client('everything')).toThrow(expect.objectContaining({ code: ErrorCode.SESSION_NOT_FOUND }));
    await expect(clients.ensureStarted(start())).rejects.toMatchObject({ code: ErrorCode.SESSION_NOT_FOUND });
    expect(connector.opened).toHaveLength(0);
  });

  it('should report a server that cannot start, by name, and still start the others', async () => {
    connector.failures.set('broken', 'spawn /nonexistent/mcp-server ENOENT');
    await sessionOf([fakeServer('broken'), fakeServer('everything')]);
    expect(await clients.ensureStarted(start())).toEqual([
      {
        server: 'broken',
        code: ErrorCode.MCP_SERVER_FAILED,
        message: 'MCP server "broken" failed to start: spawn /nonexistent/mcp-server ENOENT',
      },
    ]);
    expect(clients.tools().map((t) => t.name)).toEqual(['echo', 'get-sum', 'get-tiny-image']);
  });

  it('should stop waiting when the turn is cancelled, without counting it as a server failure', async () => {
    connector.gate = new Promise(() => undefined);
    await sessionOf([fakeServer('slow')]);
    const cancel = new AbortController();
    const starting = clients.ensureStarted(start(60_000, cancel.signal));
    cancel.abort();
    expect(await starting).toEqual([expect.objectContaining({ server: 'slow' })]);
    expect(mcp.statuses()[0].status).toBe('starting');
  });

  it('should prefix tool names that two servers share, and call each on its own server', async () => {
    await sessionOf([fakeServer('everything'), fakeServer('twin')]);
    await clients.ensureStarted(start());
    expect(clients.tools().map((t) => t.name)).toEqual([
      'everything__echo',
      'everything__get-sum',
      'everything__get-tiny-image',
      'twin__echo',
      'twin__get-sum',
      'twin__get-tiny-image',
    ]);
    await clients.call('twin__echo', { message: 'x' }, call);
    expect(connector.opened.map((connection) => connection.calls)).toEqual([
      [],
      [{ tool: 'echo', args: { message: 'x' } }],
    ]);
  });

  it('should keep tools out of the model by allowed_tools and blocked_tools', async () => {
    await sessionOf([
      fakeServer('everything', { allowedTools: ['echo', 'get-sum'] }),
      fakeServer('other', { blockedTools: ['echo'] }),
    ]);
    await clients.ensureStarted(start());
    // echo: only "everything" offers it now, so it keeps its name; get-sum: both do.
    expect(clients.tools().map((t) => t.name)).toEqual([
      'echo',
      'everything__get-sum',
      'other__get-sum',
      'get-tiny-image',
    ]);
    expect(await clients.call('other__echo', { message: 'x' }, call)).toEqual({
      content: 'Error: unknown tool "other__echo"',
      is_error: true,
    });
  });

  it('should keep the same tool array between turns until a server changes', async () => {
    await sessionOf([fakeServer('everything')]);
    await clients.ensureStarted(start());
    const first = clients.tools();
    expect(clients.tools()).toBe(first);
    connector.opened[0].crash();
    await host.waitForStatus((change) => change.state === 'ready');
    expect(clients.tools()).not.toBe(first);
    expect(clients.tools()).toEqual(first);
  });

  it('should tell the session of restarts and of a server marked down, and try again for the next turn', async () => {
    await sessionOf([fakeServer('once')], { MCP_MAX_RESTARTS: '2' });
    expect(await clients.ensureStarted(start())).toEqual([]);
    connector.failing = 'spawn fake-mcp-server ENOENT';
    connector.opened[0].crash();
    await host.waitForStatus((change) => change.state === 'down');

    expect(host.statuses.map((change) => [change.state, change.attempt])).toEqual([
      ['restarting', 0],
      ['restarting', 1],
      ['restarting', 2],
      ['down', undefined],
    ]);
    expect(mcp.statuses()[0]).toMatchObject({
      status: 'down',
      last_error: expect.stringContaining('2 restarts failed'),
    });
    // The restart loop ends right after its last status.
    await new Promise(setImmediate);
    const [failure] = await clients.ensureStarted(start());
    expect(failure.message).toBe('MCP server "once" failed to start: spawn fake-mcp-server ENOENT');
  });
});
