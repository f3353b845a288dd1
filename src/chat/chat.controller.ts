import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBadGatewayResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';

import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { carrierOf } from '../common/tracing';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { SessionsService } from '../sessions/sessions.service';
import { ConnectionsService } from './connections.service';
import { ChatResponseDto, ConnectionsDto } from './dto/chat-responses.dto';
import { ChatRequestDto } from './dto/chat.dto';
import { assertMessage, turnOptions } from './message-limit';

/** Plain request/response chat for clients that do not stream. */
@ApiTags('chat')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid credential (with authentication on)' })
@Controller()
export class ChatController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly connections: ConnectionsService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Post('chat')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a turn and answer when it ends (a new session is created without session_id)' })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiTooManyRequestsResponse({ type: ErrorBodyDto })
  @ApiBadGatewayResponse({ type: ErrorBodyDto, description: 'The LLM failed; the session stays usable' })
  async chat(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChatRequestDto,
    @Req() request: Request,
  ): Promise<ChatResponseDto> {
    assertMessage('message', body.message, body, this.config);
    await this.connections.consumeMessage(principal, this.connections.addressOf(request), 'http');
    let sessionId = body.session_id;
    if (sessionId === undefined) {
      // Over the quota, no session is created either (sending checks it for an existing one).
      await this.sessions.assertUnderQuota(principal);
      sessionId = (await this.sessions.create(principal, body.model)).id;
    }
    // The turn's trace continues the request's (its traceparent), on whichever node runs it.
    const options = { ...turnOptions(body), trace: carrierOf(request.headers) };
    const result = await this.sessions.run(principal, sessionId, body.message, options);
    const { turnId: turn_id, response, model, usage, steps } = result;
    return { session_id: sessionId, turn_id, response, model, usage, steps };
  }

  @Get('connections')
  @ApiOperation({ summary: 'Open socket.io connections and SSE streams, on this node and in the cluster' })
  @ApiOkResponse({ type: ConnectionsDto })
  connectionCounts(): Promise<ConnectionsDto> {
    return this.connections.clusterCounts();
  }
}
