import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { IntervalJobs } from '../common/interval-jobs';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { SessionSweep } from './session-sweep.service';

export const SESSION_SWEEP_JOB = 'session-sweep';

/** Sweeps idle sessions every SESSION_SWEEP_MS, on every node (a session ends once, where it is held). */
@Injectable()
export class SessionsScheduler implements OnApplicationBootstrap {
  private readonly jobs: IntervalJobs;

  constructor(
    private readonly sweeper: SessionSweep,
    registry: SchedulerRegistry,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {
    this.jobs = new IntervalJobs(registry, new Logger(SessionsScheduler.name));
  }

  onApplicationBootstrap(): void {
    // The period comes from validated config, so the job is registered here rather than by decorator.
    this.jobs.every(SESSION_SWEEP_JOB, this.config.SESSION_SWEEP_MS, () => this.sweep());
  }

  sweep(): Promise<void> {
    return this.jobs.run(SESSION_SWEEP_JOB, () => this.sweeper.sweepExpired());
  }
}
