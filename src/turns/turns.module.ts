import { Module } from '@nestjs/common';

import { ArtifactsModule } from '../artifacts/artifacts.module';
import { McpModule } from '../mcp/mcp.module';
import { ReactModule } from '../react/react.module';
import { SessionStoreModule } from '../session-store/session-store.module';
import { UsageModule } from '../usage/usage.module';
import { SessionDrain } from './session-drain.service';
import { SessionEventPublisher } from './session-event-publisher';
import { SessionLeaseKeeper } from './session-lease-keeper';
import { SessionMcpBridge } from './session-mcp-bridge';
import { SessionWorker } from './session-worker.service';
import { ToolApprovals } from './tool-approvals';
import { TurnRunner } from './turn-runner.service';
import { TurnSignals } from './turn-signals';
import { TurnMetrics } from './turns.metrics';
import { TurnsScheduler } from './turns.scheduler';
import { ViewCallRunner } from './view-call-runner';

/** Running turns on the node that holds a session: the worker, one turn's runner, and what a turn waits on. */
@Module({
  imports: [SessionStoreModule, McpModule, ReactModule, ArtifactsModule, UsageModule],
  providers: [
    TurnMetrics,
    SessionEventPublisher,
    SessionMcpBridge,
    ToolApprovals,
    ViewCallRunner,
    TurnRunner,
    SessionWorker,
    SessionLeaseKeeper,
    TurnSignals,
    SessionDrain,
    TurnsScheduler,
  ],
  exports: [SessionWorker, TurnSignals, SessionDrain, SessionEventPublisher],
})
export class TurnsModule {}
