import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';

import { METRIC_PREFIX, MetricsRegistry } from '../metrics/metrics-registry';
import type { LabelledGauge } from '../metrics/metrics-registry';

/** Where a message came in. */
export type MessageInterface = 'socketio' | 'sse' | 'http';

/** The transports' metrics. */
@Injectable()
export class ChatMetrics {
  readonly rateLimited: Counter<'interface'>;
  readonly connections: LabelledGauge<'transport'>;

  constructor(registry: MetricsRegistry) {
    this.rateLimited = new Counter({
      name: `${METRIC_PREFIX}rate_limited_total`,
      help: 'Messages refused by RATE_LIMIT_PER_MINUTE, by interface (socketio, sse, http)',
      labelNames: ['interface'],
      registers: [registry],
    });
    this.connections = registry.labelledGauge(
      'connections',
      'Open client connections on this node, by transport (socketio, sse)',
      ['transport'],
    );
  }
}
