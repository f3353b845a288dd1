import { Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { HeartbeatService } from './heartbeat.service';

export const HEARTBEAT_JOB = 'heartbeat';

/** Beats every HEARTBEAT_MS (30 s by default) on every socket.io connection and SSE stream. */
@Injectable()
export class ChatScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly heartbeat: HeartbeatService,
    private readonly registry: SchedulerRegistry,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      HEARTBEAT_JOB,
      setInterval(() => this.heartbeat.beat(), this.config.HEARTBEAT_MS),
    );
  }
}
