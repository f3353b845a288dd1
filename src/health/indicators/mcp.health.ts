import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { McpService } from '../../mcp/mcp.service';

const FAILED = new Set(['error', 'down']);

/**
 * MCP servers, from what is known (clients are pinged on the heartbeat; nothing is probed here).
 * `shared`: the servers every session uses through one client; one that failed makes the node not
 * ready. `all`: every server; a failing one degrades the node, which still serves turns without it.
 */
@Injectable()
export class McpHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly mcp: McpService,
  ) {}

  check(key: string, scope: 'shared' | 'all'): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const statuses = this.mcp.statuses().filter((server) => scope === 'all' || server.scope === 'shared');
    const servers = Object.fromEntries(statuses.map((server) => [server.name, server.last_error ?? server.status]));
    const failing = statuses.filter((server) => FAILED.has(server.status) || server.status === 'restarting');
    if (scope === 'shared') {
      const down = failing.filter((server) => FAILED.has(server.status));
      return down.length > 0
        ? indicator.down({
            servers,
            message: `Shared MCP server(s) failed: ${down.map((server) => server.name).join(', ')}`,
          })
        : indicator.up({ servers });
    }
    const processes = this.mcp.processes();
    return failing.length > 0 ? indicator.degraded({ servers, processes }) : indicator.up({ servers, processes });
  }
}
