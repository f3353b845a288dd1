import type { Provider } from '@nestjs/common';

import { APP_CONFIG } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';
import { MemoryOAuthStore } from './memory-oauth-store';
import { OAuthStore } from './oauth-store';
import { RedisOAuthStore } from './redis-oauth-store';

/** OAuth state beside the sessions: in memory, or in Redis for every node. */
export const oauthStoreProvider: Provider = {
  provide: OAuthStore,
  useFactory: (config: AppConfig, redis: RedisService): OAuthStore => {
    switch (config.SESSION_STORE) {
      case 'memory':
        return new MemoryOAuthStore();
      case 'redis':
        return new RedisOAuthStore(redis);
    }
  },
  inject: [APP_CONFIG, RedisService],
};
