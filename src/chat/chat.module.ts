import { Module } from '@nestjs/common';

import { SessionStoreModule } from '../session-store/session-store.module';
import { SessionsModule } from '../sessions/sessions.module';
import { ChatSseController } from './chat-sse.controller';
import { ChatController } from './chat.controller';
import { ChatGateway } from './chat.gateway';
import { ChatMetrics } from './chat.metrics';
import { ChatScheduler } from './chat.scheduler';
import { ConnectionsService } from './connections.service';
import { HeartbeatService } from './heartbeat.service';
import { SocketFeeds } from './socket-feeds';

/** The transports: socket.io, SSE and plain HTTP, all over SessionsService. */
@Module({
  imports: [SessionsModule, SessionStoreModule],
  controllers: [ChatController, ChatSseController],
  providers: [ChatGateway, SocketFeeds, ChatMetrics, ConnectionsService, HeartbeatService, ChatScheduler],
})
export class ChatModule {}
