/**
 * Adapter between the MCP conformance suite's client scenarios and this project's client layer:
 * the server under test is configured as a remote MCP server and driven through McpService, the
 * way a session's turn drives it (start, list tools, call each one, answer what the server asks).
 */
import { Logger } from '@nestjs/common';

import { validateEnvironment } from '../../src/config/validate-environment';
import type { McpClientHost } from '../../src/mcp/client/mcp-client-host';
import type { McpTool } from '../../src/mcp/client/mcp-tool';
import type { RemoteServerConfig } from '../../src/mcp/config/mcp-config';
import { DEFAULT_POLICY } from '../../src/mcp/config/mcp-config-policy';
import { McpServers } from '../../src/mcp/config/mcp-servers';
import { McpOAuthService } from '../../src/mcp/oauth/mcp-oauth.service';
import { MemoryOAuthStore } from '../../src/mcp/oauth/memory-oauth-store';
import { mcpLayer } from '../helpers/mcp-layer';

// Used as the client_id where the authorization server takes Client ID Metadata Documents (the suite's own URL).
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

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

/** What a scenario tells the client: pre-registered credentials, or the exact tool calls to make. */
interface ScenarioContext {
  client_id?: string;
  client_secret?: string;
  toolCalls?: ToolCall[];
}

interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * The calls a scenario asks for, as the model would make them: the ones its context names; for
 * the JSON Schema scenario, the focal tool's input schema echoed back exactly as the host holds
 * it (what the model is given); otherwise every tool once, with simple values.
 */
function callsFor(tools: readonly McpTool[], context: ScenarioContext): ToolCall[] {
  if (context.toolCalls) {
    return context.toolCalls;
  }
  const focal = tools.find((tool) => tool.name === 'json_schema_2020_12_tool');
  if (process.env.MCP_CONFORMANCE_SCENARIO === 'json-schema-2020-12-preservation' && focal) {
    return [{ name: 'json_schema_echo', arguments: { schema: focal.input_schema } }];
  }
  return tools.map((tool) => ({ name: tool.name, arguments: argumentsFor(tool) }));
}

/**
 * The user, played without a browser: opens the authorization URL, where the suite's authorization
 * server consents at once and redirects to the callback, and hands the code to the host as its
 * callback route would.
 */
function headlessUser(oauth: McpOAuthService, server: RemoteServerConfig) {
  return async (authorizationUrl: URL): Promise<void> => {
    const answer = await fetch(authorizationUrl, { redirect: 'manual' });
    const location = new URL(answer.headers.get('location') ?? '', authorizationUrl);
    const flow = await oauth.takeFlow(location.searchParams.get('state') ?? '');
    await oauth.finish(
      server,
      flow,
      location.searchParams.get('code') ?? '',
      location.searchParams.get('iss') ?? undefined,
    );
  };
}

async function main(): Promise<void> {
  const url = process.argv.at(-1)!;
  Logger.overrideLogger(['error', 'warn']);
  // Scenarios with a pre-registered client give its credentials here.
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as ScenarioContext;
  const server: RemoteServerConfig = {
    name: 'under-test',
    transport: 'http',
    url,
    headers: {},
    oauth: { clientId: context.client_id, clientSecret: context.client_secret, clientMetadataUrl: CLIENT_METADATA_URL },
    ...DEFAULT_POLICY,
  };
  const env = { MCP_START_TIMEOUT_MS: '20000' };
  const config = validateEnvironment(env);
  const servers = new McpServers({ servers: [server], source: 'conformance', workspaceDir: process.cwd() }, config);
  const oauth = new McpOAuthService(new MemoryOAuthStore(), servers, config);
  oauth.authorizer = headlessUser(oauth, server);
  const mcp = await mcpLayer([server], env, { oauth });
  const clients = mcp.forSession(host);
  try {
    const [failure] = await clients.ensureStarted({ timeoutMs: 20_000, signal: new AbortController().signal });
    if (failure) {
      throw new Error(failure.message);
    }
    for (const { name, arguments: args } of callsFor(clients.tools(), context)) {
      const result = await clients.call(name, args, { signal: new AbortController().signal });
      console.log(`${name}: ${result.is_error ? 'error' : 'ok'}: ${result.content}`);
    }
  } finally {
    await mcp.onApplicationShutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
