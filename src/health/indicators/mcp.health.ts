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
    const servers = Object.fromEntries(
      this.mcp.statuses().map((server) => [server.name, server.last_error ?? server.status]),
    );
    const failing = this.mcp.statuses().filter((server) => server.status === 'error');
    return failing.length > 0 ? indicator.degraded({ servers }) : indicator.up({ servers });
  }
}
