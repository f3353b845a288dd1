import type { Provider } from '@nestjs/common';

import { APP_CONFIG } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { MemorySessionEventLog } from '../event-log/memory-session-event-log';
import { SessionEventLog } from '../event-log/session-event-log';
import { MemorySessionStore } from './memory-session.store';
import { SessionStore } from './session-store';

/** Picks the store and event log named by SESSION_STORE; an unknown name fails start-up. */
export const sessionStoreProviders: Provider[] = [
  {
    provide: SessionStore,
    useFactory: (config: AppConfig): SessionStore => {
      switch (config.SESSION_STORE) {
        case 'memory':
          return new MemorySessionStore();
      }
    },
    inject: [APP_CONFIG],
  },
  {
    provide: SessionEventLog,
    useFactory: (config: AppConfig): SessionEventLog => {
      switch (config.SESSION_STORE) {
        case 'memory':
          return new MemorySessionEventLog(config.EVENT_LOG_LIMIT);
      }
    },
    inject: [APP_CONFIG],
  },
];
