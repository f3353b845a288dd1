import { Test } from '@nestjs/testing';

import { APP_CONFIG } from '../../src/config/app-config';
import { validateEnvironment } from '../../src/config/validate-environment';
import { MCP_CONNECTOR } from '../../src/mcp/client/mcp-connect';
import { MCP_CONFIG } from '../../src/mcp/config/mcp-config';
import type { McpServerConfig } from '../../src/mcp/config/mcp-config';
import { McpMetrics } from '../../src/mcp/mcp.metrics';
import { mcpProviders } from '../../src/mcp/mcp.providers';
import { McpService } from '../../src/mcp/mcp.service';
import { McpOAuthService } from '../../src/mcp/oauth/mcp-oauth.service';
import { MetricsRegistry } from '../../src/metrics/metrics-registry';
import type { FakeConnector } from '../fakes/fake-mcp';

/**
 * The MCP layer wired by Nest as the app wires it (its providers, one per part), for these servers
 * and settings, without the rest of the app; with a FakeConnector, no server process is started. No lifecycle hook runs: a test calls
 * `onApplicationBootstrap` (the pool) and `onApplicationShutdown` (every process stops) itself.
 */
export async function mcpLayer(
  servers: McpServerConfig[],
  env: Record<string, string> = {},
  { oauth, connector }: { oauth?: McpOAuthService; connector?: FakeConnector } = {},
): Promise<McpService> {
  let builder = Test.createTestingModule({
    providers: [
      ...mcpProviders,
      { provide: APP_CONFIG, useValue: validateEnvironment(env) },
      MetricsRegistry,
      McpMetrics,
      ...(oauth ? [{ provide: McpOAuthService, useValue: oauth }] : []),
      McpService,
    ],
  })
    .overrideProvider(MCP_CONFIG)
    .useValue({ servers, source: 'test', workspaceDir: process.cwd() });
  if (connector) {
    // Unit specs: servers without processes.
    builder = builder.overrideProvider(MCP_CONNECTOR).useValue(connector.connect);
  }
  const module = await builder.compile();
  return module.get(McpService);
}
