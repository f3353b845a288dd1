import { everythingConfig } from '../../test/fixtures/mcp-servers';
import { childProcesses } from '../../test/helpers/processes';
import type { McpServerConfig } from './mcp-config';
import { McpService } from './mcp.service';

const everything = everythingConfig();
const start = (timeoutMs = 20_000, signal = new AbortController().signal) => ({ timeoutMs, signal });
const broken: McpServerConfig = {
  name: 'broken',
  transport: 'stdio',
  command: '/nonexistent/server',
  args: [],
  env: {},
};

describe(McpService.name, () => {
  let mcp: McpService;

  beforeEach(() => {
    mcp = new McpService({ servers: [everything, broken], source: 'test' });
  });

  afterEach(async () => {
    await mcp.onApplicationShutdown();
  });

  it('should report every server idle before any session starts it', () => {
    expect(mcp.statuses()).toEqual([
      { name: 'everything', transport: 'stdio', status: 'idle', connections: 0, tools: [] },
      { name: 'broken', transport: 'stdio', status: 'idle', connections: 0, tools: [] },
    ]);
  });

  it("should track sessions' connections, tools and failures", async () => {
    const first = mcp.forSession('a');
    const second = mcp.forSession('b');
    await Promise.all([first.ensureStarted(start()), second.ensureStarted(start())]);

    const [ready, failed] = mcp.statuses();
    expect(ready).toMatchObject({ status: 'ready', connections: 2 });
    expect(ready.tools.map((tool) => tool.name)).toContain('echo');
    expect(failed).toMatchObject({ status: 'error', connections: 0, last_error: expect.stringContaining('"broken"') });

    await mcp.release(first);
    expect(mcp.statuses()[0].connections).toBe(1);
  });

  it('should close every session client at application shutdown', async () => {
    await mcp.forSession('a').ensureStarted(start());
    expect(childProcesses().filter((line) => line.includes('server-everything'))).toHaveLength(1);
    await mcp.onApplicationShutdown();
    expect(childProcesses().filter((line) => line.includes('server-everything'))).toHaveLength(0);
  });
});
