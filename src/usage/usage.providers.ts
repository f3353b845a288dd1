import type { Provider } from '@nestjs/common';

import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { MemoryUsageStore } from './memory-usage.store';
import { RedisUsageStore } from './redis-usage.store';
import { UsageStore } from './usage-store';

const DAY_MS = 86_400_000;

/** The usage store beside the session store SESSION_STORE picks. */
export const usageStoreProvider: Provider = {
  provide: UsageStore,
  useFactory: (config: AppConfig, redis: RedisService): UsageStore => {
    const retentionMs = config.USAGE_RETENTION_DAYS * DAY_MS;
    switch (config.SESSION_STORE) {
      case 'memory':
        return new MemoryUsageStore(retentionMs);
      case 'redis':
        return new RedisUsageStore(redis, retentionMs);
    }
  },
  inject: [APP_CONFIG, RedisService],
};
