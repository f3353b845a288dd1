import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import { withTimeout } from '../../common/with-timeout';
import { InjectAppConfig } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { SessionStore } from '../../session-store/session-store';

const PING_TIMEOUT_MS = 1000;

@Injectable()
export class SessionStoreHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly store: SessionStore,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      await withTimeout(this.store.ping(), PING_TIMEOUT_MS, 'the session store');
      return indicator.up({ backend: this.config.SESSION_STORE, sessions: await this.store.count() });
    } catch (error) {
      return indicator.down({ backend: this.config.SESSION_STORE, message: (error as Error).message });
    }
  }
}
