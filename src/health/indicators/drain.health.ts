import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { SessionDrain } from '../../turns/session-drain.service';

/** Down from the moment the node starts draining: a load balancer stops sending it new work. */
@Injectable()
export class DrainHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly drain: SessionDrain,
  ) {}

  check(key: string): HealthIndicatorResult {
    const indicator = this.health.check(key);
    return this.drain.draining
      ? indicator.down({ message: 'Draining before shutdown: no new turns (SERVER_DRAINING)' })
      : indicator.up({ accepting_turns: true });
  }
}
