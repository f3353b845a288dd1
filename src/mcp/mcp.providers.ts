import type { Provider } from '@nestjs/common';
import { resolve } from 'node:path';

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
import type { LoadedMcpConfig } from './config/mcp-config';
import { McpPlaces } from './config/mcp-places';
import { appDirectory } from './config/mcp-sandbox-config';
import { McpServers } from './config/mcp-servers';
import { McpMetrics } from './mcp.metrics';
import { McpSandbox } from './sandbox/mcp-sandbox';

/** The parts of the MCP layer, each built once from validated config and the parts it needs. */
export const mcpProviders: Provider[] = [
  {
    provide: MCP_CONFIG,
    // Read once at start-up: a bad file stops the app with a message naming the server and field.
    useFactory: (config: AppConfig) =>
      loadMcpConfig(config.MCP_CONFIG, config.WORKSPACE_DIR, process.env, authConfigured(config), {
        mode: config.MCP_SANDBOX,
        usersDir: resolve(config.USERS_DIR),
      }),
    inject: [APP_CONFIG],
  },
  {
    provide: McpSandbox,
    // MCP_SANDBOX=on checks bwrap and makes a trial sandbox here: a host that cannot sandbox does not start.
    useFactory: (config: AppConfig, mcp: LoadedMcpConfig, metrics: McpMetrics) =>
      McpSandbox.start(
        config,
        {
          perUser: authConfigured(config),
          workspaceDir: mcp.workspaceDir,
          appDir: appDirectory(),
          configFile: resolve(config.MCP_CONFIG),
          usersDir: resolve(config.USERS_DIR),
          nodePath: process.execPath,
          hostPath: process.env.PATH ?? '',
        },
        mcp.servers,
        metrics,
      ),
    inject: [APP_CONFIG, MCP_CONFIG, McpMetrics],
  },
  {
    provide: MCP_CONNECTOR,
    useFactory: (sandbox: McpSandbox) => sandbox.connector(openConnection),
    inject: [McpSandbox],
  },
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
