import { Module } from '@nestjs/common';

import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { authConfigured } from '../config/validate-environment';
import { McpController } from './catalog/mcp-catalog.controller';
import { McpCatalogService } from './catalog/mcp-catalog.service';
import { loadMcpConfig } from './config/mcp-config';
import { McpMetrics } from './mcp.metrics';
import { McpScheduler } from './mcp.scheduler';
import { MCP_CONFIG, McpService } from './mcp.service';
import { McpOAuthController } from './oauth/mcp-oauth.controller';
import { McpOAuthService } from './oauth/mcp-oauth.service';
import { oauthStoreProvider } from './oauth/oauth-store.providers';

@Module({
  controllers: [McpController, McpOAuthController],
  providers: [
    {
      provide: MCP_CONFIG,
      // Read once at start-up: a bad file stops the app with a message naming the server and field.
      useFactory: (config: AppConfig) =>
        loadMcpConfig(config.MCP_CONFIG, config.WORKSPACE_DIR, process.env, authConfigured(config)),
      inject: [APP_CONFIG],
    },
    oauthStoreProvider,
    McpMetrics,
    McpOAuthService,
    McpService,
    McpCatalogService,
    McpScheduler,
  ],
  exports: [McpService],
})
export class McpModule {}
