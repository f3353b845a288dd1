import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AppException } from '../common/errors';
import { decodeCursor, encodeCursor, PAGE_DEFAULT_LIMIT } from '../common/page';
import { ParseIdPipe } from '../common/validation';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { ErrorCode } from '../contract/error-code';
import { listedOwner } from '../session-store/session-access';
import type { SessionKey } from '../session-store/session-store';
import { ChatsService } from './chats.service';
import { ApprovalAnswerDto, ApprovalAnsweredDto } from './dto/approval.dto';
import { ElicitationAnswerDto, ElicitationAnsweredDto } from './dto/elicitation.dto';
import {
  CancelledDto,
  MessagePageDto,
  MessagesQueryDto,
  SessionDetailDto,
  SessionDto,
  SessionListDto,
  SessionListQueryDto,
  SessionStatsDto,
  ModelChoiceDto,
  UpdateSessionDto,
} from './dto/session.dto';
import { SessionsService } from './sessions.service';

const isSessionKey = (value: unknown): value is SessionKey =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger((value as SessionKey).created_at) &&
  typeof (value as SessionKey).id === 'string';

@ApiTags('sessions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'No valid credential (with authentication on)' })
@Controller()
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly chats: ChatsService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Post('api/v3/sessions')
  @ApiOperation({ summary: 'Create a session' })
  @ApiCreatedResponse({ type: SessionDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'UNKNOWN_MODEL: a model you may not use' })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'MAX_SESSIONS sessions are live' })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: ModelChoiceDto): Promise<SessionDto> {
    return SessionDto.from(await this.sessions.create(principal, body.model));
  }

  @Get('api/v3/sessions')
  @ApiOperation({ summary: "A page of the caller's live sessions (an administrator's, with all=true, of everyone's)" })
  @ApiOkResponse({ type: SessionListDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'all=true from a caller who is not an administrator' })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: SessionListQueryDto): Promise<SessionListDto> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isSessionKey);
    const limit = query.limit ?? PAGE_DEFAULT_LIMIT;
    const [page, stats] = await Promise.all([
      query.q === undefined
        ? this.sessions.list(principal, limit, after, query.all)
        : this.chats.search(query.q, limit, after, listedOwner(principal, query.all)),
      this.sessions.stats(),
    ]);
    const found = 'found' in page ? page.found : page.sessions.map((record) => ({ record, match: undefined }));
    return {
      sessions: found.map(({ record, match }) => ({ ...SessionDto.from(record), ...(match ? { match } : {}) })),
      next_cursor: page.next ? encodeCursor(page.next) : null,
      total: stats.total,
      node: stats.node,
    };
  }

  @Get('api/v3/sessions/:id')
  @ApiOperation({ summary: 'A session with its latest messages (older ones: GET …/messages?before=)' })
  @ApiOkResponse({ type: SessionDetailDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<SessionDetailDto> {
    const { record, page, pending } = await this.sessions.detail(principal, id, PAGE_DEFAULT_LIMIT);
    return SessionDetailDto.detail(record, page, pending);
  }

  @Get('api/v3/sessions/:id/messages')
  @ApiOperation({ summary: "A page of the session's history, oldest first, ending before `before`" })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async messages(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Query() query: MessagesQueryDto,
  ): Promise<MessagePageDto> {
    const page = await this.sessions.history(principal, id, query.limit ?? PAGE_DEFAULT_LIMIT, query.before);
    return { messages: page.messages, next_before: page.next_before };
  }

  @Patch('api/v3/sessions/:id')
  @ApiOperation({
    summary: 'Rename a session, switch its servers and tools off and on, or switch its model (owner only)',
  })
  @ApiOkResponse({ type: SessionDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateSessionDto,
  ): Promise<SessionDto> {
    const { title, disabled_tools, model } = body;
    if (title === undefined && disabled_tools === undefined && model === undefined) {
      throw new AppException(ErrorCode.VALIDATION_FAILED, 'Nothing to change: send title, disabled_tools or model');
    }
    const changes = {
      ...(title !== undefined ? { title } : {}),
      ...(disabled_tools ? { disabled_tools } : {}),
      ...(model !== undefined ? { model } : {}),
    };
    return SessionDto.from(await this.chats.change(principal, id, changes));
  }

  @Delete('api/v3/sessions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a session: its clients get session_end and its MCP servers stop' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.sessions.delete(principal, id);
  }

  @Post('api/v3/sessions/:id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: "Stop the session's running turn (its error event has TURN_CANCELLED); queued messages still run",
  })
  @ApiOkResponse({ type: CancelledDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async cancel(@CurrentPrincipal() principal: Principal, @Param('id', ParseIdPipe) id: string): Promise<CancelledDto> {
    return { session_id: id, cancelled: await this.sessions.cancel(principal, id) };
  }

  @Post('api/v3/sessions/:id/elicitations/:elicitationId')
  @HttpCode(200)
  @ApiOperation({ summary: "Answer an MCP server's elicitation (an `elicitation` event with status pending)" })
  @ApiOkResponse({ type: ElicitationAnsweredDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'content does not match requested_schema' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown session, or the elicitation is not pending' })
  async answerElicitation(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Param('elicitationId', ParseIdPipe) elicitationId: string,
    @Body() body: ElicitationAnswerDto,
  ): Promise<ElicitationAnsweredDto> {
    await this.sessions.answerElicitation(principal, id, elicitationId, body);
    return { session_id: id, elicitation_id: elicitationId, action: body.action };
  }

  @Post('api/v3/sessions/:id/approvals/:approvalId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or deny a tool call (an `approval` event with status pending); owner only' })
  @ApiOkResponse({ type: ApprovalAnsweredDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown session, or the approval is not pending' })
  async answerApproval(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Param('approvalId', ParseIdPipe) approvalId: string,
    @Body() body: ApprovalAnswerDto,
  ): Promise<ApprovalAnsweredDto> {
    await this.sessions.answerApproval(principal, id, approvalId, body);
    return { session_id: id, approval_id: approvalId, approved: body.approved };
  }

  @Get('sessions')
  @ApiOperation({ summary: 'Session statistics: cluster totals, and what the answering node holds' })
  @ApiOkResponse({ type: SessionStatsDto })
  async stats(): Promise<SessionStatsDto> {
    return { ...(await this.sessions.stats()), ttl_ms: this.config.SESSION_TTL_MS };
  }
}
