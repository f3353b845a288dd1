import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { IntervalJobs } from '../common/interval-jobs';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { SessionBus } from '../session-store/bus/session-bus';
import { SessionStore } from '../session-store/session-store';
import { SessionLeaseKeeper } from './session-lease-keeper';
import { SessionWorker } from './session-worker.service';
import { TurnSignals } from './turn-signals';

export const LEASE_RENEW_JOB = 'session-lease-renew';
export const ORPHAN_ADOPT_JOB = 'session-orphan-adopt';

// The node's heartbeat comes three times per TURN_LEASE_MS, so one late beat does not lose its sessions.
const RENEWALS_PER_LEASE = 3;
// Lapsed leases are looked for at least every second, so a takeover follows soon after the lapse.
const ADOPT_MAX_MS = 1000;

/**
 * Hands what other nodes ask of this one to the worker; with a shared store, keeps this node's
 * heartbeat and takes over sessions whose holder died or left.
 */
@Injectable()
export class TurnsScheduler implements OnApplicationBootstrap {
  private readonly jobs: IntervalJobs;

  constructor(
    private readonly worker: SessionWorker,
    private readonly leases: SessionLeaseKeeper,
    private readonly signals: TurnSignals,
    private readonly store: SessionStore,
    private readonly bus: SessionBus,
    registry: SchedulerRegistry,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {
    this.jobs = new IntervalJobs(registry, new Logger(TurnsScheduler.name));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.listen(
      (signal) => this.signals.handle(signal),
      () => this.worker.runWaiting(),
    );
    if (this.store.shared) {
      // Alive before it holds anything: a node that dies holding sessions is found by its heartbeat.
      await this.renew();
      this.jobs.every(LEASE_RENEW_JOB, this.config.TURN_LEASE_MS / RENEWALS_PER_LEASE, () => this.renew());
      this.jobs.every(ORPHAN_ADOPT_JOB, Math.min(ADOPT_MAX_MS, this.config.TURN_LEASE_MS / 4), () => this.adopt());
    }
  }

  renew(): Promise<void> {
    return this.jobs.run(LEASE_RENEW_JOB, () => this.leases.renew());
  }

  adopt(): Promise<void> {
    return this.jobs.run(ORPHAN_ADOPT_JOB, () => this.leases.adopt());
  }
}
