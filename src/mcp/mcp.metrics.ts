import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';

import { METRIC_PREFIX, MetricsRegistry } from '../metrics/metrics-registry';
import type { LiveGauge } from '../metrics/metrics-registry';

export type ToolCallOutcome = 'ok' | 'error' | 'cancelled';
/** The sandbox limits that end a server when met (a failed fork or allocation is the server's own error). */
export type SandboxLimitKill = 'memory' | 'file_size';

/**
 * The MCP layer's metrics. Labels are configured server names and the tool names those servers
 * list (bounded by the config); a name the model made up counts as "(unknown)".
 */
@Injectable()
export class McpMetrics {
  readonly toolCalls: Counter<'server' | 'tool' | 'outcome'>;
  readonly toolCallDuration: Histogram<'server'>;
  readonly restarts: Counter<'server'>;
  readonly processes: LiveGauge;
  readonly sandboxedProcesses: LiveGauge;
  readonly sandboxLimitKills: Counter<'server' | 'limit'>;

  constructor(registry: MetricsRegistry) {
    this.toolCalls = new Counter({
      name: `${METRIC_PREFIX}tool_calls_total`,
      help: 'MCP tool calls, by server, tool and outcome (ok, error, cancelled)',
      labelNames: ['server', 'tool', 'outcome'],
      registers: [registry],
    });
    this.toolCallDuration = new Histogram({
      name: `${METRIC_PREFIX}tool_call_duration_seconds`,
      help: 'Time an MCP tool call took, by server',
      labelNames: ['server'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.restarts = new Counter({
      name: `${METRIC_PREFIX}mcp_restarts_total`,
      help: 'Restarts of MCP server clients after a crash or an unanswered ping, by server',
      labelNames: ['server'],
      registers: [registry],
    });
    this.processes = registry.liveGauge('mcp_processes', 'Live MCP server processes (MCP_MAX_PROCESSES bounds them)');
    this.sandboxedProcesses = registry.liveGauge('mcp_sandboxed_processes', 'Live MCP server processes in a sandbox');
    this.sandboxLimitKills = new Counter({
      name: `${METRIC_PREFIX}mcp_sandbox_limit_kills_total`,
      help: 'Sandboxed MCP servers ended by a sandbox limit, by server and limit (memory, file_size)',
      labelNames: ['server', 'limit'],
      registers: [registry],
    });
  }

  /** Counts one finished call. */
  toolCall(server: string, tool: string, outcome: ToolCallOutcome, seconds: number): void {
    this.toolCalls.inc({ server, tool, outcome });
    this.toolCallDuration.observe({ server }, seconds);
  }
}
