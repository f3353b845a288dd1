import { rmSync } from 'node:fs';

import { everythingConfig } from '../../test/fixtures/mcp-servers';
import { RecordingHost } from '../../test/fixtures/recording-host';
import { mcpLayer } from '../../test/helpers/mcp-layer';
import { childProcesses, waitForExit, waitForNoChildren } from '../../test/helpers/processes';
import { ErrorCode } from '../contract/error-code';
import type { McpServerConfig } from './config/mcp-config';
import { DEFAULT_POLICY } from './config/mcp-config-policy';
import type { McpSessionClients } from './mcp-session-clients';
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
  ...DEFAULT_POLICY,
};

const everythingProcesses = () => childProcesses().filter((line) => line.includes('server-everything'));


function service(servers: McpServerConfig[], env: Record<string, string> = {}): Promise<McpService> {
  return mcpLayer(servers, { MCP_RESTART_BASE_MS: '50', MCP_START_TIMEOUT_MS: '20000', ...env });
}

describe('McpSessionClients', () => {
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

  it('should report a server that cannot start, by name, and still start the others', async () => {
    const broken: McpServerConfig = { ...silent, name: 'broken', command: '/nonexistent/mcp-server', args: [] };
    mcp = await service([broken, everything]);
    clients = mcp.forSession(new RecordingHost('s2'));
    expect(await clients.ensureStarted(start())).toEqual([
      {
        server: 'broken',
        code: ErrorCode.MCP_SERVER_FAILED,
        message: expect.stringContaining('MCP server "broken" failed to start'),
      },
    ]);
    expect(clients.tools().length).toBeGreaterThan(0);
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

  it('should stop waiting when the turn is cancelled, without counting it as a server failure', async () => {
    mcp = await service([silent]);
    clients = mcp.forSession(new RecordingHost('s5'));
    const cancel = new AbortController();
    const starting = clients.ensureStarted(start(60_000, cancel.signal));
    cancel.abort();
    expect(await starting).toEqual([expect.objectContaining({ server: 'silent' })]);
    expect(mcp.statuses()[0].status).toBe('starting');
  });

  it('should prefix tool names that two servers share', async () => {
    mcp = await service([everything, { ...everything, name: 'twin' }]);
    clients = mcp.forSession(new RecordingHost('s3'));
    await clients.ensureStarted(start());
    const names = clients.tools().map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['everything__echo', 'twin__echo']));
    expect(await clients.call('twin__echo', { message: 'x' }, call)).toEqual({ content: 'Echo: x', is_error: false });
  });

  it('should keep tools out of the model by allowed_tools and blocked_tools', async () => {
    mcp = await service([
      { ...everything, allowedTools: ['echo', 'get-sum'] },
      { ...everything, name: 'other', blockedTools: ['echo'] },
    ]);
    clients = mcp.forSession(new RecordingHost('s6'));
    await clients.ensureStarted(start());
    const names = clients.tools().map((tool) => tool.name);
    // echo: only "everything" offers it now, so it keeps its name; get-sum: both do.
    expect(names).toEqual(expect.arrayContaining(['echo', 'everything__get-sum', 'other__get-sum', 'get-tiny-image']));
    expect(names).not.toContain('other__echo');
    expect(names).not.toContain('everything__get-tiny-image');
    expect(await clients.call('other__echo', { message: 'x' }, call)).toEqual({
      content: 'Error: unknown tool "other__echo"',
      is_error: true,
    });
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

  it('should mark a server down after MCP_MAX_RESTARTS failed restarts, and try again for the next turn', async () => {
    // Starts once, then every restart finds the command gone.
    const flag = `/tmp/mcp-once-${process.pid}-${Date.now()}`;
    const once: McpServerConfig = {
      ...silent,
      name: 'once',
      // Spawned exactly once: no era probe on a sibling process.
      protocol: '2025-11-25',
      command: '/bin/sh',
      args: [
        '-c',
        `if [ -e ${flag} ]; then exit 3; fi; touch ${flag}; exec "$0" "$@"`,
        ...[everything.command, ...everything.args],
      ],
    };
    mcp = await service([once], { MCP_MAX_RESTARTS: '2' });
    const host = new RecordingHost('s8');
    clients = mcp.forSession(host);
    expect(await clients.ensureStarted(start())).toEqual([]);
    const [pid] = childProcesses()
      .filter((line) => line.includes('server-everything'))
      .map((line) => Number.parseInt(line, 10));
    process.kill(pid, 'SIGKILL');
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
    const [failure] = await clients.ensureStarted(start());
    expect(failure.message).toContain('"once" failed to start');
    rmSync(flag, { force: true });
  });
});
