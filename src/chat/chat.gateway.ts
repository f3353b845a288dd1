import { Logger, UseFilters } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationShutdown } from '@nestjs/common';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit } from '@nestjs/websockets';
import type { Subscription } from 'rxjs';
import type { Namespace, Socket } from 'socket.io';

import { WsExceptionFilter } from '../common/filters/ws-exception.filter';
import { settleWithin } from '../common/settle-within';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { ElicitationAnsweredDto } from '../sessions/dto/elicitation.dto';
import { SessionsService } from '../sessions/sessions.service';
import { ConnectionsService } from './connections.service';
import { ChatMessageDto, ElicitationResponseDto, JoinChatDto, SessionRefDto } from './dto/chat.dto';
import type { AcceptedTurnDto, JoinAckDto } from './dto/chat-responses.dto';
import { HeartbeatService } from './heartbeat.service';
import { assertMessageLength } from './message-limit';

type Subscriptions = Map<string, Subscription>;

// Longest wait at shutdown for sockets to flush their session_end.
const SHUTDOWN_FLUSH_MS = 2000;

/** Resolves once the socket's connection has written everything it was given. */
function flushed(socket: Socket): Promise<void> {
  // Packets wait in the connection only while its transport is busy writing.
  const transport = socket.conn.transport;
  return transport.writable ? Promise.resolve() : new Promise((resolve) => transport.once('drain', () => resolve()));
}

/** socket.io on /chat: a thin adapter over SessionsService; each joined session streams to the socket. */
@WebSocketGateway({ namespace: '/chat' })
@UseFilters(WsExceptionFilter)
export class ChatGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() private readonly server!: Namespace;
  private heartbeats?: Subscription;

  constructor(
    private readonly sessions: SessionsService,
    private readonly connections: ConnectionsService,
    private readonly heartbeat: HeartbeatService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  afterInit(): void {
    this.heartbeats = this.heartbeat.beats.subscribe((beat) => this.server.emit('heartbeat', beat));
  }

  handleConnection(client: Socket): void {
    client.data.subscriptions = new Map() as Subscriptions;
    this.connections.socketOpened();
  }

  handleDisconnect(client: Socket): void {
    for (const subscription of this.subscriptionsOf(client).values()) {
      subscription.unsubscribe();
    }
    this.connections.socketClosed(client.id);
  }

  @SubscribeMessage('join_chat')
  async join(
    @ConnectedSocket() client: Socket,
    @MessageBody() body: JoinChatDto,
    @Ack() ack: (answer: JoinAckDto) => void,
  ): Promise<void> {
    const snapshot = body.session_id ? await this.sessions.get(body.session_id) : await this.sessions.create();
    const sessionId = snapshot.record.id;
    // The ack goes first, so the client knows its session before the session's events arrive.
    ack({ session_id: sessionId, status: snapshot.status, messages: snapshot.record.messages });
    this.follow(client, sessionId, body.last_event_id);
  }

  @SubscribeMessage('chat_message')
  async message(@ConnectedSocket() client: Socket, @MessageBody() body: ChatMessageDto): Promise<AcceptedTurnDto> {
    assertMessageLength('content', body.content, this.config.MAX_MESSAGE_CHARS);
    this.connections.consumeMessage(client.id);
    // Subscribed before sending: the turn's first events are published before send returns.
    this.follow(client, body.session_id);
    const { turnId } = await this.sessions.send(body.session_id, body.content);
    return { session_id: body.session_id, turn_id: turnId };
  }

  @SubscribeMessage('leave_chat')
  leave(@ConnectedSocket() client: Socket, @MessageBody() body: SessionRefDto) {
    const subscriptions = this.subscriptionsOf(client);
    subscriptions.get(body.session_id)?.unsubscribe();
    return { session_id: body.session_id, left: subscriptions.delete(body.session_id) };
  }

  @SubscribeMessage('cancel')
  cancel(@MessageBody() body: SessionRefDto) {
    return { session_id: body.session_id, cancelled: this.sessions.cancel(body.session_id) };
  }

  @SubscribeMessage('elicitation_response')
  elicitationResponse(@MessageBody() body: ElicitationResponseDto): ElicitationAnsweredDto {
    this.sessions.answerElicitation(body.session_id, body.elicitation_id, {
      action: body.action,
      content: body.content,
    });
    return { session_id: body.session_id, elicitation_id: body.elicitation_id, action: body.action };
  }

  /** Runs before Nest closes the sockets: session_end goes out, and gets a bounded moment to be written. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sessions.endAll('shutdown');
    await settleWithin([...this.server.sockets.values()].map(flushed), SHUTDOWN_FLUSH_MS);
  }

  onApplicationShutdown(): void {
    this.heartbeats?.unsubscribe();
    // Sessions have ended (session_end sent) by now; close what is still open.
    this.server?.disconnectSockets(true);
  }

  /** Streams the session's events to this socket, once per socket and session. */
  private follow(client: Socket, sessionId: string, afterId?: number): void {
    const subscriptions = this.subscriptionsOf(client);
    if (subscriptions.has(sessionId)) {
      return;
    }
    const subscription = this.sessions.stream(sessionId, afterId).subscribe({
      next: (event) => client.emit(event.type, event),
      complete: () => subscriptions.delete(sessionId),
      error: (error: unknown) =>
        this.logger.error(`Stream of session ${sessionId} to socket ${client.id} failed`, error),
    });
    if (!subscription.closed) {
      subscriptions.set(sessionId, subscription);
    }
  }

  private subscriptionsOf(client: Socket): Subscriptions {
    return client.data.subscriptions as Subscriptions;
  }
}
