import { Module } from '@nestjs/common';

import { SessionBus } from './bus/session-bus';
import { SessionEventLog } from './event-log/session-event-log';
import { SessionStore } from './session-store';
import { sessionStoreProviders } from './session-store.providers';

/** The session backends, memory or Redis per SESSION_STORE: the store, the event log and the bus between nodes. */
@Module({
  providers: sessionStoreProviders,
  exports: [SessionStore, SessionEventLog, SessionBus],
})
export class SessionStoreModule {}
