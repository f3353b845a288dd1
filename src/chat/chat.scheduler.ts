import { Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ConnectionsService } from './connections.service';
import { HeartbeatService } from './heartbeat.service';

export const HEARTBEAT_JOB = 'heartbeat';
export const NODE_REPORT_JOB = 'node-report';
export const STALL_CHECK_JOB = 'stream-stall-check';
// A stalled connection is found within a quarter of STREAM_STALL_MS past it.
const STALL_CHECKS_PER_PERIOD = 4;

/**
 * Beats every HEARTBEAT_MS (30 s by default) on every socket.io connection and SSE stream, has each
 * look at its progress four times per STREAM_STALL_MS, and reports this node's connections for the
 * cluster totals three times per TURN_LEASE_MS.
 */
@Injectable()
export class ChatScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly heartbeat: HeartbeatService,
    private readonly connections: ConnectionsService,
    private readonly registry: SchedulerRegistry,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      HEARTBEAT_JOB,
      setInterval(() => this.heartbeat.beat(), this.config.HEARTBEAT_MS),
    );
    this.registry.addInterval(
      STALL_CHECK_JOB,
      setInterval(() => this.heartbeat.checkStalls(), this.config.STREAM_STALL_MS / STALL_CHECKS_PER_PERIOD),
    );
    void this.report();
    this.registry.addInterval(
      NODE_REPORT_JOB,
      setInterval(() => void this.report(), this.config.TURN_LEASE_MS / 3),
    );
  }

  report(): Promise<void> {
    return this.connections.report();
  }
}
