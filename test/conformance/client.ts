/**
 * Adapter between the MCP conformance suite's client scenarios and this project's client layer:
 * the server under test is configured as a remote MCP server and driven through McpService, the
 * way a session's turn drives it (start, list tools, call each one, answer what the server asks).
 */
import { Logger } from '@nestjs/common';

import { validateEnvironment } from '../../src/config/validate-environment';
import type { McpClientHost } from '../../src/mcp/mcp-client-host';
import { DEFAULT_POLICY } from '../../src/mcp/mcp-config';
import type { McpTool } from '../../src/mcp/mcp-tool';
import { McpService } from '../../src/mcp/mcp.service';

// A user who accepts what the server proposes: the client layer fills in the schema's defaults.
const host: McpClientHost = {
  sessionId: 'conformance',
  userId: 'local',
  inTurn: true,
  sample: () => Promise.resolve({ model: 'conformance', role: 'assistant', content: { type: 'text', text: 'ok' } }),
  elicit: () => Promise.resolve({ action: 'accept', content: {} }),
  serverStatus: () => undefined,
};

/** Simple values of each declared type, so every tool can be called without a model. */
function argumentsFor(tool: McpTool): Record<string, unknown> {
  const properties = (tool.input_schema.properties ?? {}) as Record<string, { type?: string }>;
  const values: Record<string, unknown> = { number: 2, integer: 2, string: 'conformance', boolean: true };
  return Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => [name, values[schema.type ?? 'string']]),
  );
}

async function main(): Promise<void> {
  const url = process.argv.at(-1)!;
  Logger.overrideLogger(['error', 'warn']);
  const mcp = new McpService(
    {
      servers: [{ name: 'under-test', transport: 'http', url, headers: {}, ...DEFAULT_POLICY }],
      source: 'conformance',
      workspaceDir: process.cwd(),
    },
    validateEnvironment({ MCP_START_TIMEOUT_MS: '20000' }),
  );
  const clients = mcp.forSession(host);
  try {
    const [failure] = await clients.ensureStarted({ timeoutMs: 20_000, signal: new AbortController().signal });
    if (failure) {
      throw new Error(failure.message);
    }
    for (const tool of clients.tools()) {
      const result = await clients.call(tool.name, argumentsFor(tool), { signal: new AbortController().signal });
      console.log(`${tool.name}: ${result.is_error ? 'error' : 'ok'}: ${result.content}`);
    }
  } finally {
    await mcp.onApplicationShutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
