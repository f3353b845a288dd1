import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { SessionsService } from './sessions.service';

export const SESSION_SWEEP_JOB = 'session-sweep';

/** Sweeps idle sessions every SESSION_SWEEP_MS (5 minutes by default). */
@Injectable()
export class SessionsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionsScheduler.name);

  constructor(
    private readonly sessions: SessionsService,
    private readonly registry: SchedulerRegistry,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // The period comes from validated config, so the job is registered here rather than by decorator.
    this.registry.addInterval(
      SESSION_SWEEP_JOB,
      setInterval(() => void this.sweep(), this.config.SESSION_SWEEP_MS),
    );
  }

  async sweep(): Promise<void> {
    try {
      await this.sessions.sweepExpired();
    } catch (error) {
      this.logger.error('Idle-session sweep failed', (error as Error).stack);
    }
  }
}
