import { Module } from '@nestjs/common';

import { McpCatalogService } from './catalog/mcp-catalog.service';
import { McpServers } from './config/mcp-servers';
import { McpMetrics } from './mcp.metrics';
import { mcpProviders } from './mcp.providers';
import { McpScheduler } from './mcp.scheduler';
import { McpService } from './mcp.service';
import { McpOAuthController } from './oauth/mcp-oauth.controller';
import { McpOAuthService } from './oauth/mcp-oauth.service';
import { oauthStoreProvider } from './oauth/oauth-store.providers';

/** MCP: the configured servers, their clients per session or shared, the catalog and OAuth to remote servers. */
@Module({
  controllers: [McpOAuthController],
  providers: [
    oauthStoreProvider,
    McpMetrics,
    McpOAuthService,
    ...mcpProviders,
    McpService,
    McpCatalogService,
    McpScheduler,
  ],
  exports: [McpService, McpServers, McpCatalogService],
})
export class McpModule {}
