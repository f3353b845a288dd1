import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { ErrorBodyDto } from '../common/error-body.dto';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ElicitationAnswerDto, ElicitationAnsweredDto } from './dto/elicitation.dto';
import { CancelledDto, SessionDetailDto, SessionDto, SessionListDto, SessionStatsDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@Controller()
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Post('api/v3/sessions')
  @ApiOperation({ summary: 'Create a session' })
  @ApiCreatedResponse({ type: SessionDto })
  async create(): Promise<SessionDto> {
    return SessionDto.from(await this.sessions.create());
  }

  @Get('api/v3/sessions')
  @ApiOperation({ summary: 'List live sessions' })
  @ApiOkResponse({ type: SessionListDto })
  async list(): Promise<SessionListDto> {
    return { sessions: (await this.sessions.list()).map((snapshot) => SessionDto.from(snapshot)) };
  }

  @Get('api/v3/sessions/:id')
  @ApiOperation({ summary: 'A session with its message history' })
  @ApiOkResponse({ type: SessionDetailDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async get(@Param('id') id: string): Promise<SessionDetailDto> {
    return SessionDetailDto.detail(await this.sessions.get(id));
  }

  @Delete('api/v3/sessions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a session: its clients get session_end and its MCP servers stop' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async delete(@Param('id') id: string): Promise<void> {
    await this.sessions.delete(id);
  }

  @Post('api/v3/sessions/:id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: "Stop the session's running turn (its error event has TURN_CANCELLED); queued messages still run",
  })
  @ApiOkResponse({ type: CancelledDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  cancel(@Param('id') id: string): CancelledDto {
    return { session_id: id, cancelled: this.sessions.cancel(id) };
  }

  @Post('api/v3/sessions/:id/elicitations/:elicitationId')
  @HttpCode(200)
  @ApiOperation({ summary: "Answer an MCP server's elicitation (an `elicitation` event with status pending)" })
  @ApiOkResponse({ type: ElicitationAnsweredDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'content does not match requested_schema' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown session, or the elicitation is not pending' })
  answerElicitation(
    @Param('id') id: string,
    @Param('elicitationId') elicitationId: string,
    @Body() body: ElicitationAnswerDto,
  ): ElicitationAnsweredDto {
    this.sessions.answerElicitation(id, elicitationId, body);
    return { session_id: id, elicitation_id: elicitationId, action: body.action };
  }

  @Get('sessions')
  @ApiOperation({ summary: 'Session statistics' })
  @ApiOkResponse({ type: SessionStatsDto })
  stats(): SessionStatsDto {
    return { ...this.sessions.stats(), ttl_ms: this.config.SESSION_TTL_MS };
  }
}
