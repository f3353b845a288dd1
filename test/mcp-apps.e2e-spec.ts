import { connectSocket, runSocketTurn } from './helpers/events';
import { waitForNoChildren } from './helpers/processes';
import { startApp, writeMcpConfig } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const APP_SERVER = require.resolve('./fixtures/app-server.mjs');

interface Listed {
  name: string;
  tools: Array<{ name: string; ui?: { resource_uri: string; visibility: string[] } }>;
}

/** MCP Apps (io.modelcontextprotocol/ui): tools with a ui:// view, against a server built on the reference SDK. */
describe('MCP Apps (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ MCP_CONFIG: writeMcpConfig({ counter: { command: process.execPath, args: [APP_SERVER] } }) });
  });

  afterAll(async () => {
    await t?.close();
    await waitForNoChildren(/app-server/);
  });

  it("should list each tool's view and who may call it, before any session", async () => {
    const { servers } = (await (await fetch(`${t.url}/api/v3/mcp/servers`)).json()) as { servers: Listed[] };
    const tools = Object.fromEntries(servers[0].tools.map((tool) => [tool.name, tool.ui]));
    expect(tools).toEqual({
      show_counter: { resource_uri: 'ui://counter/view.html', visibility: ['model', 'app'] },
      increment: { resource_uri: 'ui://counter/view.html', visibility: ['app'] },
    });
  });

  it('should offer the model the tools it may call, not those only the view may', async () => {
    const client = await connectSocket(t.url);
    try {
      const turn = await runSocketTurn(client, '[[tool:show_counter {}]]');
      expect(turn.end.data).toMatchObject({ content: expect.stringContaining('The counter is at 0') });
      const offered = t.llm.requests.at(-1)!.tools?.map((tool) => tool.function.name);
      expect(offered).toEqual(['show_counter']);
    } finally {
      client.socket.disconnect();
    }
  });
});
