import type { Provider } from '@nestjs/common';

import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { authConfigured } from '../config/validate-environment';
import { McpDiscovery } from './capacity/mcp-discovery';
import { PrewarmPool } from './capacity/mcp-prewarm-pool';
import { ProcessBudget } from './capacity/mcp-process-budget';
import { McpServerBoard } from './catalog/mcp-server-board';
import { McpClientFactory } from './client/mcp-client-factory';
import { MCP_CONNECTOR, openConnection } from './client/mcp-connect';
import type { Connector } from './client/mcp-connect';
import { EraVerdicts } from './client/mcp-era';
import { loadMcpConfig, MCP_CONFIG } from './config/mcp-config';
import { McpPlaces } from './config/mcp-places';
import { McpServers } from './config/mcp-servers';
import { McpMetrics } from './mcp.metrics';

/** The parts of the MCP layer, each built once from validated config and the parts it needs. */
export const mcpProviders: Provider[] = [
  {
    provide: MCP_CONFIG,
    // Read once at start-up: a bad file stops the app with a message naming the server and field.
    useFactory: (config: AppConfig) =>
      loadMcpConfig(config.MCP_CONFIG, config.WORKSPACE_DIR, process.env, authConfigured(config)),
    inject: [APP_CONFIG],
  },
  { provide: MCP_CONNECTOR, useValue: openConnection },
  McpServers,
  McpPlaces,
  EraVerdicts,
  {
    provide: ProcessBudget,
    useFactory: (config: AppConfig) => new ProcessBudget(config.MCP_MAX_PROCESSES),
    inject: [APP_CONFIG],
  },
  {
    provide: PrewarmPool,
    // A pre-started client gets its roots when a session takes it; until then, with users kept apart, none.
    useFactory: (
      config: AppConfig,
      budget: ProcessBudget,
      places: McpPlaces,
      verdicts: EraVerdicts,
      connect: Connector,
    ) =>
      new PrewarmPool(config.MCP_PREWARM, budget, places.unowned, {
        timeoutMs: config.MCP_START_TIMEOUT_MS,
        verdicts,
        connect,
      }),
    inject: [APP_CONFIG, ProcessBudget, McpPlaces, EraVerdicts, MCP_CONNECTOR],
  },
  {
    provide: McpServerBoard,
    useFactory: (servers: McpServers, metrics: McpMetrics) => new McpServerBoard(servers.all, metrics),
    inject: [McpServers, McpMetrics],
  },
  McpClientFactory,
  {
    provide: McpDiscovery,
    useFactory: (
      config: AppConfig,
      board: McpServerBoard,
      budget: ProcessBudget,
      verdicts: EraVerdicts,
      places: McpPlaces,
      pool: PrewarmPool,
      clients: McpClientFactory,
      connect: Connector,
    ) =>
      new McpDiscovery({
        board,
        budget,
        verdicts,
        startTimeoutMs: config.MCP_START_TIMEOUT_MS,
        refreshMinMs: config.MCP_CATALOG_REFRESH_MIN_MS,
        roots: places.unowned,
        places: places.catalog(),
        shared: (server) => clients.sharedClient(server),
        pooled: (server) => pool.peek(places.pooled(server)),
        connect,
      }),
    inject: [
      APP_CONFIG,
      McpServerBoard,
      ProcessBudget,
      EraVerdicts,
      McpPlaces,
      PrewarmPool,
      McpClientFactory,
      MCP_CONNECTOR,
    ],
  },
];
