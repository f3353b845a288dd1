import { Module } from '@nestjs/common';

import { ArtifactsModule } from '../artifacts/artifacts.module';
import { McpModule } from '../mcp/mcp.module';
import { ReactModule } from '../react/react.module';
import { ChatsService } from './chats.service';
import { SessionDrain } from './session-drain.service';
import { SessionEventPublisher } from './session-event-publisher';
import { SessionMcpBridge } from './session-mcp-bridge';
import { SessionsController } from './sessions.controller';
import { SessionMetrics } from './sessions.metrics';
import { SessionsScheduler } from './sessions.scheduler';
import { SessionsService } from './sessions.service';
import { SessionWorker } from './session-worker.service';
import { SessionBus } from './bus/session-bus';
import { SessionStore } from './store/session-store';
import { sessionStoreProviders } from './store/session-store.providers';
import { ToolApprovals } from './tool-approvals';
import { TurnRunner } from './turn-runner.service';
import { ViewCallRunner } from './view-call-runner';
import { ViewCallsController } from './view-calls.controller';
import { ViewCallsService } from './view-calls.service';

@Module({
  imports: [McpModule, ReactModule, ArtifactsModule],
  controllers: [SessionsController, ViewCallsController],
  providers: [
    ...sessionStoreProviders,
    SessionMetrics,
    SessionEventPublisher,
    SessionMcpBridge,
    ToolApprovals,
    ViewCallRunner,
    ViewCallsService,
    TurnRunner,
    SessionWorker,
    SessionDrain,
    SessionsService,
    ChatsService,
    SessionsScheduler,
  ],
  exports: [SessionsService, SessionDrain, SessionStore, SessionBus],
})
export class SessionsModule {}
