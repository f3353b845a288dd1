import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { McpService } from './mcp.service';

export const MCP_PING_JOB = 'mcp-ping';

/** Pings every MCP client on the heartbeat (HEARTBEAT_MS), so a hung server is found and restarted. */
@Injectable()
export class McpScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(McpScheduler.name);

  constructor(
    private readonly mcp: McpService,
    private readonly registry: SchedulerRegistry,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      MCP_PING_JOB,
      setInterval(() => {
        this.mcp
          .pingAll()
          .catch((error: unknown) => this.logger.error('MCP ping round failed', (error as Error).stack));
      }, this.config.HEARTBEAT_MS),
    );
  }
}
