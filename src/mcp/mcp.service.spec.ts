import { everythingConfig } from '../../test/fixtures/mcp-servers';
import { RecordingHost } from '../../test/fixtures/recording-host';
import { mcpLayer } from '../../test/helpers/mcp-layer';
import { childProcesses } from '../../test/helpers/processes';
import { ErrorCode } from '../contract/error-code';
import type { McpServerConfig } from './config/mcp-config';
import { DEFAULT_POLICY } from './config/mcp-config-policy';
import { McpService } from './mcp.service';

const everything = everythingConfig();
const start = (timeoutMs = 20_000, signal = new AbortController().signal) => ({ timeoutMs, signal });
const broken: McpServerConfig = {
  name: 'broken',
  transport: 'stdio',
  command: '/nonexistent/server',
  args: [],
  env: {},
  ...DEFAULT_POLICY,
};
const everythingProcesses = () => childProcesses().filter((line) => line.includes('server-everything'));


function service(servers: McpServerConfig[], env: Record<string, string> = {}): Promise<McpService> {
  return mcpLayer(servers, env);
}

/** Waits until the pool has started its processes (it fills in the background). */
async function prewarmed(mcp: McpService, server: string, count: number): Promise<void> {
  while (mcp.statuses().find((status) => status.name === server)!.prewarmed < count) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe(McpService.name, () => {
  let mcp: McpService;

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
    };
    expect(mcp.statuses()).toEqual([
      { name: 'everything', transport: 'stdio', scope: 'session', status: 'idle', catalog: 'pending', ...none },
      { name: 'broken', transport: 'stdio', scope: 'session', status: 'idle', catalog: 'pending', ...none },
      { name: 'off', transport: 'stdio', scope: 'session', status: 'disabled', catalog: 'none', ...none },
    ]);
  });

  it("should track sessions' connections, tools and failures", async () => {
    mcp = await service([everything, broken]);
    const first = mcp.forSession(new RecordingHost('a'));
    const second = mcp.forSession(new RecordingHost('b'));
    await Promise.all([first.ensureStarted(start()), second.ensureStarted(start())]);

    const [ready, failed] = mcp.statuses();
    expect(ready).toMatchObject({ status: 'ready', connections: 2, protocol_version: '2025-11-25' });
    expect(ready.tools.map((tool) => tool.name)).toContain('echo');
    expect(failed).toMatchObject({
      status: 'error',
      connections: 0,
      last_error: expect.stringContaining('/nonexistent/server'),
    });
    expect(mcp.processes()).toEqual({ live: 2, max: 200 });

    await mcp.release(first);
    expect(mcp.statuses()[0].connections).toBe(1);
    expect(mcp.processes().live).toBe(1);
  });

  it('should give every session the one client of a shared server', async () => {
    mcp = await service([{ ...everything, scope: 'shared' }]);
    const first = mcp.forSession(new RecordingHost('a'));
    const second = mcp.forSession(new RecordingHost('b'));
    await Promise.all([first.ensureStarted(start()), second.ensureStarted(start())]);
    expect(everythingProcesses()).toHaveLength(1);
    expect(mcp.statuses()[0]).toMatchObject({ scope: 'shared', connections: 1 });

    // A session that ends leaves the shared server running for the others.
    await mcp.release(first);
    expect(await second.call('echo', { message: 'still here' }, { signal: new AbortController().signal })).toEqual({
      content: 'Echo: still here',
      is_error: false,
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
    expect(everythingProcesses()).toHaveLength(1);
    // Not the server's fault: its status stays as it was.
    expect(mcp.statuses()[0].status).toBe('ready');
  });

  it('should close the servers of the least recently used idle session to make room, and restart them on demand', async () => {
    mcp = await service([everything], { MCP_MAX_PROCESSES: '2' });
    const older = mcp.forSession(new RecordingHost('older'));
    const newer = mcp.forSession(new RecordingHost('newer'));
    await older.ensureStarted(start());
    await newer.ensureStarted(start());
    const [olderPid, newerPid] = everythingProcesses().map((line) => Number.parseInt(line, 10));

    const third = mcp.forSession(new RecordingHost('third'));
    expect(await third.ensureStarted(start())).toEqual([]);
    const live = everythingProcesses().map((line) => Number.parseInt(line, 10));
    expect(live).toHaveLength(2);
    expect(live).toContain(newerPid);
    expect(live).not.toContain(olderPid);
    expect(mcp.processes().live).toBe(2);

    // The suspended session is still usable: its next start takes the place of the idlest one now.
    expect(older.ready).toBe(false);
    expect(await older.ensureStarted(start())).toEqual([]);
    expect(await older.call('echo', { message: 'back' }, { signal: new AbortController().signal })).toEqual({
      content: 'Echo: back',
      is_error: false,
    });
    expect(everythingProcesses().map((line) => Number.parseInt(line, 10))).not.toContain(newerPid);
  });

  it('should hand a new session a pre-started client and start a replacement', async () => {
    mcp = await service([everything], { MCP_PREWARM: '1' });
    mcp.onApplicationBootstrap();
    await prewarmed(mcp, 'everything', 1);
    const [pooled] = everythingProcesses();

    const clients = mcp.forSession(new RecordingHost('a'));
    expect(await clients.ensureStarted(start())).toEqual([]);
    expect(await clients.call('echo', { message: 'warm' }, { signal: new AbortController().signal })).toEqual({
      content: 'Echo: warm',
      is_error: false,
    });
    await prewarmed(mcp, 'everything', 1);
    const processes = everythingProcesses();
    expect(processes).toHaveLength(2);
    expect(processes).toContain(pooled);
  });

  it("should pre-start a server that uses only the user's places in single-user mode, for the one user", async () => {
    const perUser = { ...everything, env: { MEMORY_FILE_PATH: '${USER_DIR}/memory.jsonl' } };
    // One process in all: the session either takes the pre-started one, or closes it to start its own.
    mcp = await service([perUser], { MCP_PREWARM: '1', MCP_MAX_PROCESSES: '1' });
    mcp.onApplicationBootstrap();
    await prewarmed(mcp, 'everything', 1);
    const pooled = everythingProcesses();

    const clients = mcp.forSession(new RecordingHost('a', 'local'));
    expect(await clients.ensureStarted(start())).toEqual([]);
    expect(everythingProcesses()).toEqual(pooled);
  });

  it('should close a pre-started client to make room for a session at MCP_MAX_PROCESSES', async () => {
    mcp = await service([everything, { ...everything, name: 'other', args: [...everything.args, '--other'] }], {
      MCP_PREWARM: '1',
      MCP_MAX_PROCESSES: '2',
    });
    mcp.onApplicationBootstrap();
    await prewarmed(mcp, 'everything', 1);
    await prewarmed(mcp, 'other', 1);

    const first = mcp.forSession(new RecordingHost('a'));
    expect(await first.ensureStarted(start())).toEqual([]);
    expect(mcp.processes().live).toBe(2);
  });

  it('should close every client at application shutdown', async () => {
    mcp = await service([everything, { ...everything, name: 'shared', scope: 'shared' }], { MCP_PREWARM: '1' });
    mcp.onApplicationBootstrap();
    await mcp.forSession(new RecordingHost('a')).ensureStarted(start());
    await prewarmed(mcp, 'everything', 1);
    expect(everythingProcesses()).toHaveLength(3);
    await mcp.onApplicationShutdown();
    expect(everythingProcesses()).toHaveLength(0);
  });
});
