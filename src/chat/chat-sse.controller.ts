import { Body, Controller, Get, Headers, HttpCode, Logger, Post, Query, Req, Res } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { finished } from 'node:stream/promises';

import { AcceptsQueryToken, CurrentPrincipal } from '../auth/auth.decorators';
import { whenExpired } from '../auth/expiry';
import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { originAllowed } from '../common/origin';
import { settleWithin } from '../common/settle-within';
import { carrierOf } from '../common/tracing';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { ErrorCode } from '../contract/error-code';
import { StreamEventDto } from '../contract/events';
import type { SessionFeed } from '../sessions/session-feed';
import { SessionsService } from '../sessions/sessions.service';
import { ConnectionsService } from './connections.service';
import { AcceptedTurnDto } from './dto/chat-responses.dto';
import { SendMessageDto, StreamQueryDto } from './dto/chat.dto';
import { behindReason, EventOutbox } from './event-outbox';
import { HeartbeatService } from './heartbeat.service';
import { assertMessage, turnOptions } from './message-limit';
import { SseResponse } from './sse-response';
import type { SseItem } from './sse-response';
import { stalledReason, watchForStall } from './stall-watch';
import { streamLost } from './stream-lost';

// Longest wait at shutdown for streams to flush their session_end.
const SHUTDOWN_FLUSH_MS = 2000;

/** Server-Sent Events: one GET stream per client, messages sent with POST. */
@ApiTags('chat (SSE)')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid credential (with authentication on)' })
@Controller('api/v3/chat')
export class ChatSseController implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatSseController.name);
  private readonly responses = new Set<Response>();

  constructor(
    private readonly sessions: SessionsService,
    private readonly connections: ConnectionsService,
    private readonly heartbeat: HeartbeatService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Get('stream')
  @AcceptsQueryToken()
  @ApiOperation({
    summary: "A session's events as text/event-stream",
    description:
      'Each event has `id:` (the event id), `event:` (its type) and `data:` (the JSON envelope). session_start comes first; ' +
      'with Last-Event-ID the retained events after it are replayed instead. `heartbeat` events repeat the last id. ' +
      'A client more than STREAM_MAX_BUFFER_BYTES behind is disconnected and resumes with Last-Event-ID. ' +
      'EventSource cannot set headers: the credential may come as `?access_token=` instead (never logged). ' +
      'The stream ends when a JWT it was opened with expires; reopen it with a fresh token and Last-Event-ID.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id' })
  @ApiOkResponse({ type: StreamEventDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'A browser Origin that is not in CORS_ORIGINS' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'SSE_MAX_CONNECTIONS streams are open' })
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Query() query: StreamQueryDto,
    @Req() request: Request,
    @Res() response: Response,
    @Headers('last-event-id') lastEventIdHeader?: string,
  ): Promise<void> {
    if (!originAllowed(request, this.config.CORS_ORIGINS)) {
      throw new AppException(ErrorCode.ORIGIN_NOT_ALLOWED, `Origin ${request.headers.origin} is not in CORS_ORIGINS`);
    }
    const header = Number.parseInt(lastEventIdHeader ?? '', 10);
    const afterId = Number.isSafeInteger(header) && header >= 0 ? header : query.last_event_id;
    const release = this.connections.openStream(principal);
    try {
      const sessionId = query.session_id
        ? (await this.sessions.get(principal, query.session_id)).id
        : (await this.sessions.create(principal, query.model)).id;
      const feed = await this.sessions.feed(principal, sessionId, afterId, query.from_turn ?? true);
      this.pipe(sessionId, feed, response, afterId ?? 0, release, principal.expiresAt);
    } catch (error) {
      release();
      throw error;
    }
  }

  @Post('send')
  @HttpCode(202)
  @ApiOperation({ summary: "Send a message to a session; its events arrive on the session's stream" })
  @ApiAcceptedResponse({ type: AcceptedTurnDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiTooManyRequestsResponse({ type: ErrorBodyDto, description: 'Rate limit reached, or the session queue is full' })
  async send(
    @CurrentPrincipal() principal: Principal,
    @Body() body: SendMessageDto,
    @Req() request: Request,
  ): Promise<AcceptedTurnDto> {
    assertMessage('message', body.message, body, this.config);
    await this.connections.consumeMessage(principal, this.connections.addressOf(request), 'sse');
    // The turn's trace continues the request's (its traceparent), on whichever node runs it.
    const options = { ...turnOptions(body), trace: carrierOf(request.headers) };
    const turnId = await this.sessions.send(principal, body.session_id, body.message, options);
    return { session_id: body.session_id, turn_id: turnId };
  }

  /**
   * Runs before Nest destroys open connections: the sessions end (or move to other nodes), their
   * streams get session_end (or their turn's error), and a bounded moment to put it on the wire.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sessions.shutdown();
    await settleWithin(
      [...this.responses].map((response) => finished(response)),
      SHUTDOWN_FLUSH_MS,
    );
  }

  /**
   * Writes the session's events and the heartbeats at the client's pace (EventOutbox), and drops a
   * client that falls too far behind. Everything is released when the response closes, or when
   * the credential it was opened with expires.
   */
  private pipe(
    sessionId: string,
    feed: SessionFeed,
    response: Response,
    resumedAfter: number,
    release: () => void,
    expiresAt?: number,
  ): void {
    const sse = new SseResponse(response, resumedAfter);
    const outbox = new EventOutbox<SseItem>(
      sse.backlog,
      this.config.STREAM_MAX_BUFFER_BYTES,
      (item) => sse.write(item),
      (item) => sse.sizeOf(item),
      (bytes) => {
        const reason = behindReason(bytes, this.config.STREAM_MAX_BUFFER_BYTES);
        this.logger.warn(`SSE client ${this.connections.addressOf(response.req)} dropped: ${reason}`);
        sse.drop(reason);
      },
    );
    sse.start();
    this.responses.add(response);
    outbox.start(feed.backlog);
    const streaming = feed.live.subscribe({
      next: (event) => outbox.push(event),
      complete: () => outbox.finish(() => sse.end()),
      error: (error: AppException) => {
        this.logger.warn(`SSE stream of session ${sessionId} broke: ${error.message}`);
        outbox.finish(() => {
          sse.write(streamLost(sessionId, sse.lastEventId, error));
          sse.end();
        });
      },
    });
    const beating = this.heartbeat.beats.subscribe((beat) => outbox.push({ type: 'heartbeat', data: beat }));
    const stallMs = this.config.STREAM_STALL_MS;
    const watching = watchForStall(sse.backlog, this.heartbeat.stallChecks, stallMs, (bytes) => {
      const reason = stalledReason(bytes, stallMs);
      this.logger.warn(`SSE client ${this.connections.addressOf(response.req)} dropped: ${reason}`);
      outbox.close();
      sse.drop(reason);
    });
    const expiry = whenExpired(expiresAt, () => sse.end());
    const close = () => {
      clearTimeout(expiry);
      streaming.unsubscribe();
      beating.unsubscribe();
      watching.unsubscribe();
      outbox.close();
      this.responses.delete(response);
      release();
    };
    response.once('close', close);
    // The client may have gone while the feed was read: then "close" has come already.
    if (response.socket?.destroyed !== false) {
      response.off('close', close);
      close();
    }
  }
}
