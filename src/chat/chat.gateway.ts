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
import { Subscription } from 'rxjs';
import type { Namespace, Socket } from 'socket.io';

import { CurrentPrincipal, principalOfSocket } from '../auth/auth.decorators';
import { AuthService } from '../auth/auth.service';
import { whenExpired } from '../auth/expiry';
import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { WsExceptionFilter } from '../common/filters/ws-exception.filter';
import { PAGE_DEFAULT_LIMIT } from '../common/page';
import { settleWithin } from '../common/settle-within';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { CLIENT_EVENTS, ClientEvent } from '../contract/client-events';
import { ErrorCode } from '../contract/error-code';
import type { MessagePage, PendingTurns } from '../session-store/session-store';
import type { ApprovalAnsweredDto } from '../sessions/dto/approval.dto';
import type { ElicitationAnsweredDto } from '../sessions/dto/elicitation.dto';
import { SessionDto, SessionHistoryDto } from '../sessions/dto/session.dto';
import { SessionsService } from '../sessions/sessions.service';
import { ConnectionsService } from './connections.service';
import type { AcceptedTurnDto, JoinAckDto } from './dto/chat-responses.dto';
import {
  ApprovalResponseDto,
  ChatMessageDto,
  ElicitationResponseDto,
  JoinChatDto,
  SessionRefDto,
} from './dto/chat.dto';
import { HeartbeatService } from './heartbeat.service';
import { assertMessage, turnOptions } from './message-limit';
import { watchBacklog } from './socket-backlog';
import { SocketFeeds, stateOf } from './socket-feeds';
import type { SocketState } from './socket-feeds';
import { stalledReason, watchForStall } from './stall-watch';

// Longest wait at shutdown for sockets to flush their session_end.
const SHUTDOWN_FLUSH_MS = 2000;
// A session just created has nothing to read back.
const NOTHING_YET: { page: MessagePage; pending: PendingTurns } = {
  page: { messages: [], total: 0, next_before: null },
  pending: { queued: [] },
};
// An unknown event's name is echoed back only this far.
const EVENT_NAME_ECHO_CHARS = 64;

/** The connect_error a refused handshake gets: its message says why, its data has the error body. */
function handshakeError(error: unknown): Error {
  const known =
    error instanceof AppException ? error : new AppException(ErrorCode.UNAUTHORIZED, 'Authentication failed');
  return Object.assign(new Error(`${known.code}: ${known.message}`), { data: known.toBody() });
}

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
    private readonly feeds: SocketFeeds,
    private readonly heartbeat: HeartbeatService,
    private readonly auth: AuthService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  afterInit(server: Namespace): void {
    // Before a connection is accepted: a refused one gets connect_error with the reason.
    server.use((socket, next) => {
      const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
      this.auth
        .authenticate(typeof token === 'string' ? token : undefined)
        .then((principal) => this.admit(socket, principal))
        .then(
          () => next(),
          (error: unknown) => next(handshakeError(error)),
        );
    });
    this.heartbeats = this.heartbeat.beats.subscribe((beat) => this.server.emit('heartbeat', beat));
  }

  /**
   * Takes one of the principal's connection slots (TOO_MANY_STREAMS past MAX_CONNECTIONS_PER_PRINCIPAL),
   * given back when the socket disconnects, or when its connection closes before the socket connected.
   */
  private admit(socket: Socket, principal: Principal): void {
    const release = this.connections.claimConnection(principal);
    socket.once('disconnect', release);
    socket.conn.once('close', release);
    socket.data = { principal };
  }

  handleConnection(client: Socket): void {
    const principal = principalOfSocket(client) as Principal;
    const state: SocketState = {
      principal,
      expiry: whenExpired(principal.expiresAt, () => client.disconnect(true)),
      subscriptions: new Map(),
      backlog: watchBacklog(client),
      address: this.connections.addressOf(client.request),
    };
    client.data = state;
    state.stallWatch = watchForStall(state.backlog, this.heartbeat.stallChecks, this.config.STREAM_STALL_MS, (bytes) =>
      this.feeds.drop(client, stalledReason(bytes, this.config.STREAM_STALL_MS)),
    );
    this.connections.socketOpened(client, principal, state.address);
    client.onAny((event: string, ...args: unknown[]) => this.answerUnknown(event, args));
  }

  handleDisconnect(client: Socket): void {
    clearTimeout(stateOf(client).expiry);
    this.feeds.leaveAll(client);
  }

  @SubscribeMessage(ClientEvent.JOIN_CHAT)
  async join(
    @ConnectedSocket() client: Socket,
    @CurrentPrincipal() principal: Principal,
    @MessageBody() body: JoinChatDto,
    @Ack() ack: (answer: JoinAckDto) => void,
  ): Promise<void> {
    this.assertRoomFor(client, body.session_id);
    const {
      record: session,
      page: history,
      pending,
    } = body.session_id
      ? await this.sessions.detail(principal, body.session_id, PAGE_DEFAULT_LIMIT)
      : await this.sessions.create(principal, body.model).then((record) => ({ record, ...NOTHING_YET }));
    const sessionId = session.id;
    // The ack goes first, so the client knows its session before the session's events arrive.
    const { status, title, disabled_tools, model } = SessionDto.from(session);
    ack({ session_id: sessionId, status, title, disabled_tools, model, ...SessionHistoryDto.of(history, pending) });
    // The turn the ack says is running is the one replayed, even if it ends in between.
    await this.feeds.follow(client, sessionId, body.last_event_id, pending.running?.turn_id);
  }

  @SubscribeMessage(ClientEvent.CHAT_MESSAGE)
  async message(
    @ConnectedSocket() client: Socket,
    @CurrentPrincipal() principal: Principal,
    @MessageBody() body: ChatMessageDto,
  ): Promise<AcceptedTurnDto> {
    assertMessage('content', body.content, body, this.config);
    this.assertRoomFor(client, body.session_id);
    await this.connections.consumeMessage(principal, stateOf(client).address, 'socketio');
    // Subscribed before sending: the turn's first events are published before send returns.
    await this.feeds.follow(client, body.session_id);
    const turnId = await this.sessions.send(principal, body.session_id, body.content, turnOptions(body));
    return { session_id: body.session_id, turn_id: turnId };
  }

  @SubscribeMessage(ClientEvent.LEAVE_CHAT)
  leave(@ConnectedSocket() client: Socket, @MessageBody() body: SessionRefDto) {
    return { session_id: body.session_id, left: this.feeds.leave(client, body.session_id) };
  }

  @SubscribeMessage(ClientEvent.CANCEL)
  async cancel(@CurrentPrincipal() principal: Principal, @MessageBody() body: SessionRefDto) {
    return { session_id: body.session_id, cancelled: await this.sessions.cancel(principal, body.session_id) };
  }

  @SubscribeMessage(ClientEvent.ELICITATION_RESPONSE)
  async elicitationResponse(
    @CurrentPrincipal() principal: Principal,
    @MessageBody() body: ElicitationResponseDto,
  ): Promise<ElicitationAnsweredDto> {
    await this.sessions.answerElicitation(principal, body.session_id, body.elicitation_id, {
      action: body.action,
      content: body.content,
    });
    return { session_id: body.session_id, elicitation_id: body.elicitation_id, action: body.action };
  }

  @SubscribeMessage(ClientEvent.APPROVAL_RESPONSE)
  async approvalResponse(
    @CurrentPrincipal() principal: Principal,
    @MessageBody() body: ApprovalResponseDto,
  ): Promise<ApprovalAnsweredDto> {
    const { approved, reason } = body;
    await this.sessions.answerApproval(principal, body.session_id, body.approval_id, { approved, reason });
    return { session_id: body.session_id, approval_id: body.approval_id, approved };
  }

  /**
   * Runs before Nest closes the sockets: session_end (or the running turn's error) goes out, with a
   * bounded moment to be written.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sessions.shutdown();
    await settleWithin([...this.server.sockets.values()].map(flushed), SHUTDOWN_FLUSH_MS);
  }

  onApplicationShutdown(): void {
    this.heartbeats?.unsubscribe();
    // Sessions have ended (session_end sent) by now; close what is still open.
    this.server?.disconnectSockets(true);
  }

  /** A socket follows at most SOCKET_MAX_SESSIONS sessions: checked before anything is created or acked. */
  private assertRoomFor(client: Socket, sessionId?: string): void {
    const { subscriptions } = stateOf(client);
    const max = this.config.SOCKET_MAX_SESSIONS;
    if ((sessionId === undefined || !subscriptions.has(sessionId)) && subscriptions.size >= max) {
      throw new AppException(
        ErrorCode.TOO_MANY_STREAMS,
        `This connection already follows ${max} sessions (SOCKET_MAX_SESSIONS); leave_chat one first`,
      );
    }
  }

  /** An event no handler takes would otherwise leave the client's ack waiting for ever. */
  private answerUnknown(event: string, args: unknown[]): void {
    const ack = args[args.length - 1];
    if (CLIENT_EVENTS.has(event) || typeof ack !== 'function') {
      return;
    }
    const name = String(event).slice(0, EVENT_NAME_ECHO_CHARS);
    const error = new AppException(
      ErrorCode.UNKNOWN_EVENT,
      `Unknown event "${name}"; this server takes ${[...CLIENT_EVENTS].join(', ')}`,
    );
    (ack as (body: unknown) => void)(error.toBody());
  }
}
