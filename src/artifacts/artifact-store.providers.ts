import type { Provider } from '@nestjs/common';

import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { ArtifactStore } from './artifact-store';
import { MemoryArtifactStore } from './memory-artifact-store';
import { RedisArtifactStore } from './redis-artifact-store';

/** Artifacts beside the sessions: in memory, or in Redis for every node. */
export const artifactStoreProvider: Provider = {
  provide: ArtifactStore,
  useFactory: (config: AppConfig, redis: RedisService): ArtifactStore => {
    switch (config.SESSION_STORE) {
      case 'memory':
        return new MemoryArtifactStore(config.ARTIFACT_MEMORY_MAX_BYTES);
      case 'redis':
        return new RedisArtifactStore(redis);
    }
  },
  inject: [APP_CONFIG, RedisService],
};
