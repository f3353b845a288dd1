import { Module } from '@nestjs/common';

import { SessionsModule } from '../sessions/sessions.module';
import { ChatController } from './chat.controller';
import { ChatGateway } from './chat.gateway';
import { ChatMetrics } from './chat.metrics';
import { ChatScheduler } from './chat.scheduler';
import { ChatSseController } from './chat-sse.controller';
import { ConnectionsService } from './connections.service';
import { HeartbeatService } from './heartbeat.service';

/** The transports: socket.io, SSE and plain HTTP, all over SessionsService. */
@Module({
  imports: [SessionsModule],
  controllers: [ChatController, ChatSseController],
  providers: [ChatGateway, ChatMetrics, ConnectionsService, HeartbeatService, ChatScheduler],
})
export class ChatModule {}
