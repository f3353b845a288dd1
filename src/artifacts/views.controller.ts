import { Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { CurrentPrincipal, Public } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ParseIdPipe } from '../common/validation';
import { ErrorBodyDto } from '../contract/error-body.dto';
import { OpenedViewDto } from './dto/view.dto';
import { ViewsService } from './views.service';

/** MCP Apps views: the page opens one (with its credential), then its iframe loads the document by ticket. */
@ApiTags('sessions')
@Controller('api/v3')
export class ViewsController {
  constructor(private readonly views: ViewsService) {}

  @Post('sessions/:id/views/:viewId/open')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: "An MCP Apps view of a tool_call (its `app` item): a one-time URL for its document, and its bridge's data",
  })
  @ApiOkResponse({ type: OpenedViewDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown, expired, or not yours' })
  open(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIdPipe) sessionId: string,
    @Param('viewId', ParseIdPipe) viewId: string,
  ): Promise<OpenedViewDto> {
    return this.views.open(principal, sessionId, viewId);
  }

  @Public()
  @Get('views/:ticket')
  @ApiOperation({
    summary:
      'The view document a ticket opens, once: sandboxed (its own opaque origin, scripts only) and limited by ' +
      'the CSP its MCP server declared',
  })
  @ApiOkResponse({ description: 'text/html' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown, used or expired ticket' })
  async document(@Param('ticket', ParseIdPipe) ticket: string, @Res() response: Response): Promise<void> {
    const { html, policy } = await this.views.document(ticket);
    response
      .status(200)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': String(html.length),
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
        'Content-Security-Policy': policy,
      })
      .end(html);
  }
}
