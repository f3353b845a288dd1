import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';

import { METRIC_PREFIX, MetricsRegistry } from '../metrics/metrics-registry';
import type { LiveGauge } from '../metrics/metrics-registry';

/** How a turn ended, as counted: its user's words are kept in every case. */
export type TurnOutcomeLabel = 'completed' | 'failed' | 'cancelled' | 'interrupted';

export type ApprovalOutcomeLabel = 'approved' | 'denied' | 'expired' | 'cancelled';

/** The turns' metrics, moved by the worker, the turn runner and the approval gate. */
@Injectable()
export class TurnMetrics {
  readonly turns: Counter<'outcome' | 'model'>;
  readonly turnDuration: Histogram;
  readonly approvals: Counter<'outcome'>;
  readonly sessions: LiveGauge;
  readonly queueDepth: LiveGauge;

  constructor(registry: MetricsRegistry) {
    this.turns = new Counter({
      name: `${METRIC_PREFIX}turns_total`,
      help: 'Turns ended on this node, by outcome (completed, failed, cancelled, interrupted) and model id',
      labelNames: ['outcome', 'model'],
      registers: [registry],
    });
    this.turnDuration = new Histogram({
      name: `${METRIC_PREFIX}turn_duration_seconds`,
      help: 'Time from a turn starting to its last event, MCP starts and tool calls included',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    });
    this.approvals = new Counter({
      name: `${METRIC_PREFIX}approvals_total`,
      help: 'Tool calls that waited for approval, by outcome (approved, denied, expired, cancelled)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.sessions = registry.liveGauge('sessions', 'Live sessions this node holds');
    this.queueDepth = registry.liveGauge(
      'queue_depth',
      "Messages waiting behind a running turn in this node's sessions",
    );
  }
}
