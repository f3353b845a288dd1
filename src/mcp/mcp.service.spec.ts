import { FakeConnector, fakeServer, tool } from '../../test/fakes/fake-mcp';
import { everythingConfig } from '../../test/fixtures/mcp-servers';
import { RecordingHost } from '../../test/fixtures/recording-host';
import { mcpLayer } from '../../test/helpers/mcp-layer';
import { childProcesses } from '../../test/helpers/processes';
import { ErrorCode } from '../contract/error-code';
import type { McpServerConfig } from './config/mcp-config';
import { McpService } from './mcp.service';

const start = (timeoutMs = 20_000, signal = new AbortController().signal) => ({ timeoutMs, signal });
const call = { signal: new AbortController().signal };
const everything = fakeServer('everything');
const broken = fakeServer('broken');

/** Waits until the pool has started its clients (it fills in the background). */
async function prewarmed(mcp: McpService, server: string, count: number): Promise<void> {
  while (mcp.statuses().find((status) => status.name === server)!.prewarmed < count) {
    await new Promise(setImmediate);
  }
}

describe(McpService.name, () => {
  let connector: FakeConnector;
  let mcp: McpService;

  const service = (servers: McpServerConfig[], env: Record<string, string> = {}) =>
    mcpLayer(servers, env, { connector });

  beforeEach(() => {
    connector = new FakeConnector();
    connector.tools = [tool('echo'), tool('get-sum')];
  });

  afterEach(async () => {
    await mcp.onApplicationShutdown();
  });

  it('should report every server idle and its catalog pending before anything starts it, and disabled ones as disabled', async () => {
    mcp = await service([everything, broken, { ...everything, name: 'off', disabled: true }]);
    const none = {
      protocol: 'auto',
      protocol_version: null,
      connections: 0,
      prewarmed: 0,
      tools: [],
      prompts: [],
      resource_templates: [],
      sandbox: { enabled: false },
    };
    expect(mcp.statuses()).toEqual([
      { name: 'everything', transport: 'stdio', scope: 'session', status: 'idle', catalog: 'pending', ...none },
      { name: 'broken', transport: 'stdio', scope: 'session', status: 'idle', catalog: 'pending', ...none },
      { name: 'off', transport: 'stdio', scope: 'session', status: 'disabled', catalog: 'none', ...none },
    ]);
    expect(connector.opened).toEqual([]);
  });

  it("should track sessions' connections, tools and failures", async () => {
    connector.failures.set('broken', 'spawn /nonexistent/server ENOENT');
    mcp = await service([everything, broken]);
    const first = mcp.forSession(new RecordingHost('a'));
    const second = mcp.forSession(new RecordingHost('b'));
    await Promise.all([first.ensureStarted(start()), second.ensureStarted(start())]);

    const [ready, failed] = mcp.statuses();
    expect(ready).toMatchObject({ status: 'ready', connections: 2, protocol_version: '2025-11-25' });
    expect(ready.tools.map((tool) => tool.name)).toEqual(['echo', 'get-sum']);
    expect(failed).toMatchObject({ status: 'error', connections: 0, last_error: expect.stringContaining('ENOENT') });
    expect(mcp.processes()).toEqual({ live: 2, max: 200 });

    await mcp.release(first);
    expect(mcp.statuses()[0].connections).toBe(1);
    expect(mcp.processes().live).toBe(1);
  });

  it('should give every session the one client of a shared server, which outlives a session', async () => {
    mcp = await service([{ ...everything, scope: 'shared' }]);
    const first = mcp.forSession(new RecordingHost('a'));
    const second = mcp.forSession(new RecordingHost('b'));
    await Promise.all([first.ensureStarted(start()), second.ensureStarted(start())]);
    expect(connector.opened).toHaveLength(1);
    expect(mcp.statuses()[0]).toMatchObject({ scope: 'shared', connections: 1 });

    await mcp.release(first);
    expect(await second.call('echo', { message: 'still here' }, call)).toEqual({
      content: 'echo: {"message":"still here"}',
      is_error: false,
    });
  });

  it("should give a session's servers their owner's places: ${SESSION_DIR}, ${USER_ID} and ${USER_DIR}", async () => {
    mcp = await service([fakeServer('notes', { args: ['${SESSION_DIR}', '${USER_ID}'], env: { DIR: '${USER_DIR}' } })]);
    await mcp.forSession(new RecordingHost('s1', 'key:alice')).ensureStarted(start());
    const [opened] = connector.opened;
    expect(opened.config).toMatchObject({
      args: [expect.stringMatching(/mcp-host-\d+-\w+\/s1$/), 'key.alice'],
      env: { DIR: expect.stringMatching(/users\/key\.alice$/) },
    });
  });

  it('should refuse a server past MCP_MAX_PROCESSES only when every process serves a running turn', async () => {
    mcp = await service([everything], { MCP_MAX_PROCESSES: '1' });
    const busy = new RecordingHost('a');
    busy.inTurn = true;
    expect(await mcp.forSession(busy).ensureStarted(start())).toEqual([]);
    const [failure] = await mcp.forSession(new RecordingHost('b')).ensureStarted(start());
    expect(failure).toEqual({
      server: 'everything',
      code: ErrorCode.MCP_PROCESS_LIMIT,
      message: expect.stringContaining('all 1 MCP server processes (MCP_MAX_PROCESSES) serve running turns'),
    });
    expect(connector.live()).toHaveLength(1);
    // Not the server's fault: its status stays as it was.
    expect(mcp.statuses()[0].status).toBe('ready');
  });

  it('should close the servers of the least recently used idle session to make room, and restart them on demand', async () => {
    mcp = await service([everything], { MCP_MAX_PROCESSES: '2' });
    const older = mcp.forSession(new RecordingHost('older'));
    const newer = mcp.forSession(new RecordingHost('newer'));
    await older.ensureStarted(start());
    await newer.ensureStarted(start());
    const [olderConnection, newerConnection] = connector.opened;

    const third = mcp.forSession(new RecordingHost('third'));
    expect(await third.ensureStarted(start())).toEqual([]);
    expect(olderConnection.closed).toBe(true);
    expect(newerConnection.alive).toBe(true);
    expect(mcp.processes().live).toBe(2);

    // The suspended session is still usable: its next start takes the place of the idlest one now.
    expect(older.ready).toBe(false);
    expect(await older.ensureStarted(start())).toEqual([]);
    expect(await older.call('echo', { message: 'back' }, call)).toMatchObject({ is_error: false });
    expect(newerConnection.closed).toBe(true);
  });

  it("should close the servers of sessions idle for MCP_IDLE_TIMEOUT_MS, and leave a turn's alone", async () => {
    mcp = await service([everything], { MCP_IDLE_TIMEOUT_MS: '1000' });
    const idle = mcp.forSession(new RecordingHost('idle'));
    const busyHost = new RecordingHost('busy');
    const busy = mcp.forSession(busyHost);
    await idle.ensureStarted(start());
    await busy.ensureStarted(start());
    busyHost.inTurn = true;

    expect(await mcp.closeIdle(Date.now() + 500)).toBe(0);
    expect(await mcp.closeIdle(Date.now() + 1000)).toBe(1);
    expect(connector.live()).toEqual([connector.opened[1]]);
  });

  it('should hand a new session a pre-started client and start a replacement', async () => {
    mcp = await service([everything], { MCP_PREWARM: '1' });
    mcp.onApplicationBootstrap();
    await prewarmed(mcp, 'everything', 1);
    const [pooled] = connector.opened;

    const clients = mcp.forSession(new RecordingHost('a'));
    expect(await clients.ensureStarted(start())).toEqual([]);
    expect(await clients.call('echo', { message: 'warm' }, call)).toMatchObject({ is_error: false });
    expect(pooled.calls).toEqual([{ tool: 'echo', args: { message: 'warm' } }]);
    await prewarmed(mcp, 'everything', 1);
    expect(connector.live()).toHaveLength(2);
  });

  it("should pre-start a server that uses only the user's places in single-user mode, for the one user", async () => {
    const perUser = fakeServer('memory', { env: { MEMORY_FILE_PATH: '${USER_DIR}/memory.jsonl' } });
    // One process in all: the session either takes the pre-started one, or closes it to start its own.
    mcp = await service([perUser], { MCP_PREWARM: '1', MCP_MAX_PROCESSES: '1' });
    mcp.onApplicationBootstrap();
    await prewarmed(mcp, 'memory', 1);

    const clients = mcp.forSession(new RecordingHost('a', 'local'));
    expect(await clients.ensureStarted(start())).toEqual([]);
    expect(connector.opened).toHaveLength(1);
    expect(connector.opened[0].config).toMatchObject({
      env: { MEMORY_FILE_PATH: expect.stringMatching(/users\/local\/memory\.jsonl$/) },
    });
  });

  it('should close a pre-started client to make room for a session at MCP_MAX_PROCESSES', async () => {
    mcp = await service([everything, fakeServer('other')], { MCP_PREWARM: '1', MCP_MAX_PROCESSES: '2' });
    mcp.onApplicationBootstrap();
    await prewarmed(mcp, 'everything', 1);
    await prewarmed(mcp, 'other', 1);

    const first = mcp.forSession(new RecordingHost('a'));
    expect(await first.ensureStarted(start())).toEqual([]);
    expect(mcp.processes().live).toBe(2);
  });

  it('should list every enabled server once for the catalog, through the pool when it keeps one', async () => {
    connector.toolsOf.set('other', [tool('ping')]);
    mcp = await service([everything, fakeServer('other', { args: ['${SESSION_DIR}'] })], { MCP_PREWARM: '1' });
    await Promise.all([mcp.discoverCatalog(), mcp.discoverCatalog()]);
    expect(
      mcp.statuses().map(({ name, catalog, tools }) => ({ name, catalog, tools: tools.map((t) => t.name) })),
    ).toEqual([
      { name: 'everything', catalog: 'listed', tools: ['echo', 'get-sum'] },
      { name: 'other', catalog: 'listed', tools: ['ping'] },
    ]);
    // "everything" through its pre-started client (kept), "other" through a client of its own (closed).
    expect(connector.labels).toEqual(['pre-warm pool', 'catalog discovery']);
    expect(connector.live().map((connection) => connection.config.name)).toEqual(['everything']);
  });
});

/** A few tests with real server processes: what the fakes stand for. */
describe(`${McpService.name} with server-everything`, () => {
  const real = everythingConfig();
  const everythingProcesses = () => childProcesses().filter((line) => line.includes('server-everything'));
  let mcp: McpService;

  afterEach(async () => {
    await mcp.onApplicationShutdown();
  });

  it('should start a real server per session, call it, and stop its process on release', async () => {
    mcp = await mcpLayer([real]);
    const clients = mcp.forSession(new RecordingHost('a'));
    expect(await clients.ensureStarted(start())).toEqual([]);
    expect(await clients.call('echo', { message: 'hi' }, call)).toEqual({ content: 'Echo: hi', is_error: false });
    expect(everythingProcesses()).toHaveLength(1);
    await mcp.release(clients);
    expect(everythingProcesses()).toHaveLength(0);
  });

  it('should stop every process at application shutdown: sessions, shared servers and the pool', async () => {
    mcp = await mcpLayer([real, { ...real, name: 'shared', scope: 'shared' }], { MCP_PREWARM: '1' });
    mcp.onApplicationBootstrap();
    await mcp.forSession(new RecordingHost('a')).ensureStarted(start());
    await prewarmed(mcp, 'everything', 1);
    expect(everythingProcesses()).toHaveLength(3);
    await mcp.onApplicationShutdown();
    expect(everythingProcesses()).toHaveLength(0);
  });
});
