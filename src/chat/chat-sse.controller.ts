import { Body, Controller, Headers, HttpCode, Post, Query, Req, Sse } from '@nestjs/common';
import type { BeforeApplicationShutdown, MessageEvent } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { finished } from 'node:stream/promises';
import { finalize, map, Observable } from 'rxjs';

import { ErrorBodyDto } from '../common/error-body.dto';
import { settleWithin } from '../common/settle-within';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { StreamEventDto } from '../sessions/events';
import type { StreamEvent } from '../sessions/events';
import { SessionsService } from '../sessions/sessions.service';
import { ConnectionsService } from './connections.service';
import { SendMessageDto, StreamQueryDto } from './dto/chat.dto';
import { AcceptedTurnDto } from './dto/chat-responses.dto';
import { HeartbeatService } from './heartbeat.service';
import { assertMessageLength } from './message-limit';

// Longest wait at shutdown for streams to flush their session_end.
const SHUTDOWN_FLUSH_MS = 2000;

/** Server-Sent Events: one GET stream per client, messages sent with POST. */
@ApiTags('chat (SSE)')
@Controller('api/v3/chat')
export class ChatSseController implements BeforeApplicationShutdown {
  private readonly responses = new Set<Response>();

  constructor(
    private readonly sessions: SessionsService,
    private readonly connections: ConnectionsService,
    private readonly heartbeat: HeartbeatService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Sse('stream')
  @ApiOperation({
    summary: "A session's events as text/event-stream",
    description:
      'Each event has `id:` (the event id), `event:` (its type) and `data:` (the JSON envelope). session_start comes first; ' +
      'with Last-Event-ID the retained events after it are replayed instead. `heartbeat` events repeat the last id.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id' })
  @ApiOkResponse({ type: StreamEventDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'SSE_MAX_CONNECTIONS streams are open' })
  async stream(
    @Query() query: StreamQueryDto,
    @Req() request: Request,
    @Headers('last-event-id') lastEventIdHeader?: string,
  ): Promise<Observable<MessageEvent>> {
    const header = Number.parseInt(lastEventIdHeader ?? '', 10);
    const afterId = Number.isSafeInteger(header) && header >= 0 ? header : query.last_event_id;
    const release = this.connections.openStream();
    try {
      const sessionId = query.session_id
        ? (await this.sessions.get(query.session_id)).record.id
        : (await this.sessions.create()).record.id;
      this.track(request.res);
      return this.toMessages(this.sessions.stream(sessionId, afterId), afterId ?? 0).pipe(finalize(release));
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
  async send(@Body() body: SendMessageDto, @Req() request: Request): Promise<AcceptedTurnDto> {
    assertMessageLength('message', body.message, this.config.MAX_MESSAGE_CHARS);
    this.connections.consumeMessage(request.ip ?? 'unknown');
    const { turnId } = await this.sessions.send(body.session_id, body.message);
    return { session_id: body.session_id, turn_id: turnId };
  }

  /**
   * Runs before Nest destroys open connections: ending the sessions completes every stream with
   * session_end, and the responses get a bounded moment to put it on the wire.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sessions.endAll('shutdown');
    await settleWithin(
      [...this.responses].map((response) => finished(response)),
      SHUTDOWN_FLUSH_MS,
    );
  }

  private track(response: Response | undefined): void {
    if (response) {
      this.responses.add(response);
      response.once('close', () => this.responses.delete(response));
    }
  }

  /** Heartbeats repeat the last event id, so a reconnecting client's Last-Event-ID stays right. */
  private toMessages(events: Observable<StreamEvent>, resumedAfter: number): Observable<MessageEvent> {
    let lastId = String(resumedAfter);
    const session = events.pipe(
      map((event): MessageEvent => {
        lastId = String(event.id);
        return { id: lastId, type: event.type, data: event };
      }),
    );
    const beats = this.heartbeat.beats.pipe(
      map((beat): MessageEvent => ({ id: lastId, type: 'heartbeat', data: beat })),
    );
    // Heartbeats run for as long as the session stream does, and stop with it.
    return new Observable<MessageEvent>((subscriber) => {
      const beating = beats.subscribe((beat) => subscriber.next(beat));
      const streaming = session.subscribe(subscriber);
      return () => {
        beating.unsubscribe();
        streaming.unsubscribe();
      };
    });
  }
}
