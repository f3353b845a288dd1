import type { Provider } from '@nestjs/common';

import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { MemorySessionBus } from './bus/memory-session-bus';
import { RedisSessionBus } from './bus/redis-session-bus';
import { SessionBus } from './bus/session-bus';
import { MemorySessionEventLog } from './event-log/memory-session-event-log';
import { RedisSessionEventLog } from './event-log/redis-session-event-log';
import { SessionEventLog } from './event-log/session-event-log';
import { MemorySessionStore } from './memory-session.store';
import { RedisSessionStore } from './redis-session.store';
import { SessionStore } from './session-store';

/**
 * How long a session's Redis keys outlive its last activity, or its holder's last lease renewal: the
 * idle sweep normally ends it first (with session_end), and a node takes over a dead holder's busy
 * session well within it; the expiry is the backstop when no node is left.
 */
export const redisKeyTtlMs = (config: AppConfig): number =>
  config.SESSION_TTL_MS + 2 * config.SESSION_SWEEP_MS + 2 * config.TURN_LEASE_MS;

/** Picks the store, event log and bus SESSION_STORE names (REDIS_URL alone selects Redis). */
export const sessionStoreProviders: Provider[] = [
  {
    provide: SessionStore,
    // The store appends a turn's last events to the log as it records the turn's end.
    useFactory: (config: AppConfig, redis: RedisService, log: SessionEventLog): SessionStore => {
      switch (config.SESSION_STORE) {
        case 'memory':
          return new MemorySessionStore(log as MemorySessionEventLog);
        case 'redis':
          return new RedisSessionStore(redis, redisKeyTtlMs(config), log as RedisSessionEventLog);
      }
    },
    inject: [APP_CONFIG, RedisService, SessionEventLog],
  },
  {
    provide: SessionEventLog,
    useFactory: (config: AppConfig, redis: RedisService): SessionEventLog => {
      switch (config.SESSION_STORE) {
        case 'memory':
          return new MemorySessionEventLog(config.EVENT_LOG_LIMIT);
        case 'redis':
          return new RedisSessionEventLog(redis, config.EVENT_LOG_LIMIT, redisKeyTtlMs(config));
      }
    },
    inject: [APP_CONFIG, RedisService],
  },
  {
    provide: SessionBus,
    useFactory: (config: AppConfig, redis: RedisService): SessionBus => {
      switch (config.SESSION_STORE) {
        case 'memory':
          return new MemorySessionBus(config.NODE_ID);
        case 'redis':
          // A node that has not reported for three lease periods is gone.
          return new RedisSessionBus(redis, config.NODE_ID, 3 * config.TURN_LEASE_MS);
      }
    },
    inject: [APP_CONFIG, RedisService],
  },
];
