import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { SessionBus } from './bus/session-bus';
import { SessionWorker } from './session-worker.service';
import { SessionsService } from './sessions.service';
import { SessionStore } from './store/session-store';

export const SESSION_SWEEP_JOB = 'session-sweep';
export const LEASE_RENEW_JOB = 'session-lease-renew';
export const ORPHAN_ADOPT_JOB = 'session-orphan-adopt';

// Leases are renewed three times per TURN_LEASE_MS, so one late renewal does not lose them.
const RENEWALS_PER_LEASE = 3;
// Lapsed leases are looked for at least every second, so a takeover follows soon after the lapse.
const ADOPT_MAX_MS = 1000;

/**
 * Sweeps idle sessions every SESSION_SWEEP_MS; with a shared store, also renews this node's leases
 * and takes over sessions whose holder's lease lapsed.
 */
@Injectable()
export class SessionsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionsScheduler.name);
  private readonly failing = new Set<string>();

  constructor(
    private readonly sessions: SessionsService,
    private readonly worker: SessionWorker,
    private readonly store: SessionStore,
    private readonly bus: SessionBus,
    private readonly registry: SchedulerRegistry,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.listen((signal) => this.worker.handle(signal));
    // The periods come from validated config, so the jobs are registered here rather than by decorator.
    this.every(SESSION_SWEEP_JOB, this.config.SESSION_SWEEP_MS, () => this.sweep());
    if (this.store.shared) {
      this.every(LEASE_RENEW_JOB, this.config.TURN_LEASE_MS / RENEWALS_PER_LEASE, () => this.renew());
      this.every(ORPHAN_ADOPT_JOB, Math.min(ADOPT_MAX_MS, this.config.TURN_LEASE_MS / 4), () => this.adopt());
    }
  }

  sweep(): Promise<void> {
    return this.guard(SESSION_SWEEP_JOB, () => this.sessions.sweepExpired());
  }

  renew(): Promise<void> {
    return this.guard(LEASE_RENEW_JOB, () => this.worker.renewLeases());
  }

  adopt(): Promise<void> {
    return this.guard(ORPHAN_ADOPT_JOB, () => this.worker.adoptOrphans());
  }

  private every(name: string, ms: number, job: () => Promise<void>): void {
    this.registry.addInterval(
      name,
      setInterval(() => void job(), ms),
    );
  }

  /** A failing job is logged once until it succeeds again (Redis may be away for a while). */
  private async guard(name: string, job: () => Promise<unknown>): Promise<void> {
    try {
      await job();
      if (this.failing.delete(name)) {
        this.logger.log(`Job ${name} works again`);
      }
    } catch (error) {
      if (!this.failing.has(name)) {
        this.failing.add(name);
        this.logger.error(`Job ${name} failed: ${(error as Error).message}`, (error as Error).stack);
      }
    }
  }
}
