import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { McpService } from '../../mcp/mcp.service';

/**
 * Degraded when a server's last start failed, it is restarting or it is down; the app still serves
 * turns without it. Clients are pinged on the heartbeat, so this reads what is known and probes nothing.
 */
@Injectable()
export class McpHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly mcp: McpService,
  ) {}

  check(key: string): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const statuses = this.mcp.statuses();
    const servers = Object.fromEntries(statuses.map((server) => [server.name, server.last_error ?? server.status]));
    const failing = statuses.some((server) => ['error', 'restarting', 'down'].includes(server.status));
    const processes = this.mcp.processes();
    return failing ? indicator.degraded({ servers, processes }) : indicator.up({ servers, processes });
  }
}
