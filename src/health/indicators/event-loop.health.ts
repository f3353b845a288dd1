import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';

// Past this, the loop counts as stuck: a live process answers its probes within a second or so.
const STUCK_DELAY_MS = 5000;

/**
 * Liveness: the process answers, and its event loop is not stuck. The delay is the 99th percentile
 * since the previous probe (a busy loop is alive; one blocked for seconds is not).
 */
@Injectable()
export class EventLoopHealthIndicator implements OnModuleDestroy {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });

  constructor(private readonly health: HealthIndicatorService) {
    this.delay.enable();
  }

  check(key: string): HealthIndicatorResult {
    const indicator = this.health.check(key);
    // No sample yet (a probe right after start-up) reads as no delay.
    const ms = (ns: number) => (Number.isFinite(ns) && this.delay.count > 0 ? Math.round(ns / 1e6) : 0);
    const p99 = ms(this.delay.percentile(99));
    const max = ms(this.delay.max);
    this.delay.reset();
    const details = { delay_p99_ms: p99, delay_max_ms: max };
    return p99 > STUCK_DELAY_MS
      ? indicator.down({ ...details, message: 'The event loop is blocked' })
      : indicator.up(details);
  }

  onModuleDestroy(): void {
    this.delay.disable();
  }
}
