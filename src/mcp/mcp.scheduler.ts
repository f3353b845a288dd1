import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { McpService } from './mcp.service';

export const MCP_PING_JOB = 'mcp-ping';
export const MCP_IDLE_JOB = 'mcp-idle';
// Idle clients are looked for this many times per MCP_IDLE_TIMEOUT_MS (so they close at most a fifth late)...
const IDLE_CHECKS_PER_TIMEOUT = 5;
// ...but not more often than this.
const IDLE_CHECK_MIN_MS = 1000;

/**
 * Lists every server once at start-up (the catalog), pings every MCP client on the heartbeat
 * (HEARTBEAT_MS), so a hung server is found and restarted, and closes the servers of sessions idle
 * for MCP_IDLE_TIMEOUT_MS.
 */
@Injectable()
export class McpScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(McpScheduler.name);

  constructor(
    private readonly mcp: McpService,
    private readonly registry: SchedulerRegistry,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: start-up never waits for a server to be listed.
    void this.mcp.discoverCatalog();
    this.registry.addInterval(
      MCP_PING_JOB,
      setInterval(() => {
        this.mcp
          .pingAll()
          .catch((error: unknown) => this.logger.error('MCP ping round failed', (error as Error).stack));
      }, this.config.HEARTBEAT_MS),
    );
    const idleTimeout = this.config.MCP_IDLE_TIMEOUT_MS;
    if (idleTimeout > 0) {
      const every = Math.max(IDLE_CHECK_MIN_MS, Math.floor(idleTimeout / IDLE_CHECKS_PER_TIMEOUT));
      this.registry.addInterval(
        MCP_IDLE_JOB,
        setInterval(() => {
          this.mcp
            .closeIdle()
            .catch((error: unknown) => this.logger.error('Closing idle MCP clients failed', (error as Error).stack));
        }, every),
      );
    }
  }
}
