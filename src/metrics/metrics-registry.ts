import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Every metric name starts with it. */
export const METRIC_PREFIX = 'mcp_host_';

/**
 * This app's Prometheus registry, with Node's process metrics: one per app rather than prom-client's
 * global one, so two apps in one process (tests) never share or clash over a metric.
 */
@Injectable()
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this });
  }

  /**
   * A gauge read when /metrics is scraped, from whatever owns the value (set with `readFrom`), so
   * nothing has to keep it up to date as it changes.
   */
  liveGauge(name: string, help: string): LiveGauge {
    let read: () => number | Promise<number> = () => 0;
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      registers: [this],
      async collect() {
        this.set(await read());
      },
    });
    return { readFrom: (source) => (read = source) };
  }

  /** A gauge with labels, read at scrape time: every label set the source returns is set, and only those. */
  labelledGauge<L extends string>(name: string, help: string, labelNames: readonly L[]): LabelledGauge<L> {
    let read: () => Array<[Record<L, string>, number]> = () => [];
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      labelNames,
      registers: [this],
      collect() {
        this.reset();
        for (const [labels, value] of read()) {
          this.set(labels, value);
        }
      },
    });
    return { readFrom: (source) => (read = source) };
  }
}

export interface LiveGauge {
  readFrom(source: () => number | Promise<number>): void;
}

export interface LabelledGauge<L extends string> {
  readFrom(source: () => Array<[Record<L, string>, number]>): void;
}
