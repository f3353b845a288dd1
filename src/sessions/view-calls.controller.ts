import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { CallToolResult } from '@modelcontextprotocol/client';

import { ViewsService } from '../artifacts/views.service';
import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ErrorBodyDto } from '../common/error-body.dto';
import { ParseIdPipe } from '../common/validation';
import { InjectAppConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { McpService } from '../mcp/mcp.service';
import { CallToolResultDto, ViewCallDto } from './dto/view-call.dto';
import { SessionsService } from './sessions.service';

/** The tools/call of an MCP Apps view, which the page's bridge passes on. */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('api/v3/sessions')
export class ViewCallsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly views: ViewsService,
    private readonly mcp: McpService,
    @InjectAppConfig() private readonly config: AppConfig,
  ) {}

  @Post(':id/views/:viewId/tools/call')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "A view's tools/call: a tool of the view's own MCP server that views may call (visibility app), with the " +
      'same approval rules as the model; owner only',
  })
  @ApiOkResponse({ type: CallToolResultDto, description: "The server's CallToolResult (isError when declined)" })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown session or view, or no such tool for views' })
  async call(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) sessionId: string,
    @Param('viewId', ParseIdPipe) viewId: string,
    @Body() body: ViewCallDto,
  ): Promise<CallToolResult> {
    const { server } = await this.views.record(principal, sessionId, viewId);
    // The holding node may start the server, wait for the user's approval, then run the call.
    const { maxTimeoutMs } = this.mcp.serverConfig(server);
    const timeoutMs = this.config.MCP_START_TIMEOUT_MS + this.config.APPROVAL_TIMEOUT_MS + maxTimeoutMs;
    const call = { session_id: sessionId, server, tool: body.name, arguments: body.arguments ?? {} };
    return this.sessions.callFromView(principal, { kind: 'view_call', ...call }, timeoutMs);
  }
}
