import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { McpModule } from '../mcp/mcp.module';
import { ModelsModule } from '../models/models.module';
import { SessionStoreModule } from '../session-store/session-store.module';
import { TurnsModule } from '../turns/turns.module';
import { HealthController } from './health.controller';
import { DrainHealthIndicator } from './indicators/drain.health';
import { EventLoopHealthIndicator } from './indicators/event-loop.health';
import { LlmHealthIndicator } from './indicators/llm.health';
import { McpHealthIndicator } from './indicators/mcp.health';
import { RedisHealthIndicator } from './indicators/redis.health';
import { SessionStoreHealthIndicator } from './indicators/session-store.health';

@Module({
  imports: [
    TerminusModule.forRoot({ gracefulShutdownTimeoutMs: 0, logger: false }),
    SessionStoreModule,
    TurnsModule,
    McpModule,
    ModelsModule,
  ],
  controllers: [HealthController],
  providers: [
    DrainHealthIndicator,
    EventLoopHealthIndicator,
    LlmHealthIndicator,
    McpHealthIndicator,
    SessionStoreHealthIndicator,
    RedisHealthIndicator,
  ],
})
export class HealthModule {}
