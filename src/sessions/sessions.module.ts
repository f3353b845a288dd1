import { Module } from '@nestjs/common';

import { ArtifactsModule } from '../artifacts/artifacts.module';
import { McpModule } from '../mcp/mcp.module';
import { ModelsModule } from '../models/models.module';
import { SessionStoreModule } from '../session-store/session-store.module';
import { TurnsModule } from '../turns/turns.module';
import { UsageModule } from '../usage/usage.module';
import { ChatsService } from './chats.service';
import { McpController } from './mcp.controller';
import { SessionCatalog } from './session-catalog.service';
import { SessionHolder } from './session-holder';
import { SessionSweep } from './session-sweep.service';
import { SessionsController } from './sessions.controller';
import { SessionsScheduler } from './sessions.scheduler';
import { SessionsService } from './sessions.service';
import { ViewCallsController } from './view-calls.controller';
import { ViewCallsService } from './view-calls.service';

/** The session API every transport uses: lifecycle, messages, feeds, chats, and the REST routes. */
@Module({
  imports: [SessionStoreModule, TurnsModule, McpModule, ArtifactsModule, ModelsModule, UsageModule],
  controllers: [SessionsController, ViewCallsController, McpController],
  providers: [
    SessionHolder,
    SessionsService,
    SessionSweep,
    ChatsService,
    ViewCallsService,
    SessionCatalog,
    SessionsScheduler,
  ],
  exports: [SessionsService],
})
export class SessionsModule {}
