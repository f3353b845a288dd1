import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { McpService } from '../../mcp/mcp.service';

/** Degraded when a configured server's last start failed; servers start per session, so none is probed here. */
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
    const failing = statuses.some((server) => server.status === 'error');
    return failing ? indicator.degraded({ servers }) : indicator.up({ servers });
  }
}
