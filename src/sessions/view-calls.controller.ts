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

import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../common/validation';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { CallToolResultDto, ViewCallDto } from './dto/view-call.dto';
import { ViewCallsService } from './view-calls.service';

/** The tools/call of an MCP Apps view, which the page's bridge passes on. */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('api/v3/sessions')
export class ViewCallsController {
  constructor(private readonly viewCalls: ViewCallsService) {}

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
  call(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) sessionId: string,
    @Param('viewId', ParseIdPipe) viewId: string,
    @Body() body: ViewCallDto,
  ): Promise<CallToolResult> {
    return this.viewCalls.call(principal, sessionId, viewId, body.name, body.arguments ?? {});
  }
}
